import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RtcStat, readStreams, StreamTotals, toReport } from './rtc-stats.ts';

/** A getStats() report as browsers shape it (RTCStatsReport is a map of stats by id). */
function statsReport(...stats: RtcStat[]): Map<string, RtcStat> {
  return new Map(stats.map((s) => [s.id, s]));
}

const inboundVideo = (id: string, n: Partial<Record<string, number>> = {}): RtcStat => ({
  id,
  type: 'inbound-rtp',
  kind: 'video',
  bytesReceived: 0,
  packetsReceived: 0,
  packetsLost: 0,
  framesDecoded: 0,
  framesDropped: 0,
  freezeCount: 0,
  totalFreezesDuration: 0,
  ...n,
});

describe('reading getStats() reports into telemetry', () => {
  it('sums inbound streams (audio and video) and reads frames and freezes from video only', () => {
    const streams = readStreams(
      [
        statsReport(
          inboundVideo('IT01V1', {
            bytesReceived: 1000,
            packetsReceived: 10,
            packetsLost: 1,
            framesDecoded: 30,
            totalFreezesDuration: 0.25,
          }),
          { id: 'IT01A2', type: 'inbound-rtp', kind: 'audio', bytesReceived: 200, packetsReceived: 5, framesDecoded: 99 },
          { id: 'T01', type: 'transport', bytesReceived: 999_999 },
        ),
        // Another track on the same connection repeats a stream: it counts once.
        statsReport(inboundVideo('IT01V1', { bytesReceived: 1000, packetsReceived: 10 })),
      ],
      'receive',
    );
    assert.deepEqual([...streams.keys()], ['IT01V1', 'IT01A2']);
    assert.equal(streams.get('IT01A2')?.framesDecoded, 0, 'audio has no frames');
    assert.equal(streams.get('IT01A2')?.video, false);
    const once = readStreams(
      [
        statsReport(inboundVideo('IT01V1', { bytesReceived: 1000, totalFreezesDuration: 0.25 }), {
          id: 'A',
          type: 'inbound-rtp',
          kind: 'audio',
        }),
      ],
      'receive',
    );
    assert.equal(once.get('IT01V1')?.freezeMs, 250, 'seconds become milliseconds');
    assert.equal(readStreams([statsReport(inboundVideo('IT01V1'))], 'send').size, 0, 'a receiver has nothing to send');
  });

  it('reads outbound streams with the loss the remote end reported, whichever comes first in the report', () => {
    for (const order of ['outbound first', 'remote report first']) {
      const outbound: RtcStat = { id: 'OT01V1', type: 'outbound-rtp', kind: 'video', bytesSent: 5000, packetsSent: 40 };
      const remote: RtcStat = { id: 'RI01V1', type: 'remote-inbound-rtp', kind: 'video', localId: 'OT01V1', packetsLost: 3 };
      const report = order === 'outbound first' ? statsReport(outbound, remote) : statsReport(remote, outbound);
      const streams = readStreams([report], 'send');
      assert.deepEqual(
        [...streams.entries()].map(([id, s]) => [id, s.bytes, s.packets, s.packetsLost]),
        [['OT01V1', 5000, 40, 3]],
        order,
      );
    }
  });

  it('adds up what streams did between takes: new ones from zero, gone ones up to their last reading, never twice', () => {
    const totals = new StreamTotals();
    const sample = (...stats: RtcStat[]) => readStreams([statsReport(...stats)], 'receive');
    assert.equal(totals.seen, false);
    totals.observe(
      sample(
        inboundVideo('a', { bytesReceived: 100, packetsReceived: 10, framesDecoded: 5 }),
        inboundVideo('b', { bytesReceived: 7, packetsReceived: 1 }),
      ),
    );
    assert.equal(totals.seen, true);
    let taken = totals.take();
    assert.equal(taken.bytes, 107, 'new streams count from zero');
    assert.equal(taken.framesDecoded, 5);

    // b goes away (unsubscribed) after one more reading; a goes on; c is new.
    totals.observe(
      sample(
        inboundVideo('a', { bytesReceived: 200, packetsReceived: 20, framesDecoded: 9 }),
        inboundVideo('b', { bytesReceived: 57, packetsReceived: 6 }),
      ),
    );
    totals.observe(
      sample(
        inboundVideo('a', { bytesReceived: 350, packetsReceived: 30, framesDecoded: 20, packetsLost: -1 }),
        inboundVideo('c', { bytesReceived: 50, packetsReceived: 5, framesDecoded: 2 }),
      ),
    );
    taken = totals.take();
    assert.equal(taken.bytes, 250 + 50 + 50, 'a grew by 250, b added 50 before it went, c is new');
    assert.equal(taken.framesDecoded, 15 + 2);
    assert.equal(taken.packetsLost, 0, 'a loss count that went back (duplicates) adds nothing');
    assert.equal(taken.video, true);

    // A failed reading shows nothing; the streams come back with the same counters and more.
    totals.observe(new Map());
    totals.observe(
      sample(inboundVideo('a', { bytesReceived: 400, packetsReceived: 35 }), inboundVideo('c', { bytesReceived: 50, packetsReceived: 5 })),
    );
    assert.equal(totals.take().bytes, 50, 'a stream seen again counts on from its last reading');

    // An id reused after a resubscribe: counters start again from zero.
    totals.observe(sample(inboundVideo('a', { bytesReceived: 440, packetsReceived: 39 })));
    totals.observe(sample(inboundVideo('a', { bytesReceived: 30, packetsReceived: 3 })));
    assert.equal(totals.take().bytes, 40 + 30, 'the 40 before the restart, and the 30 after it');
    assert.equal(totals.take().bytes, 0);
  });

  it('builds reports the schema accepts: whole, bounded, receive-only fields only when receiving', () => {
    const delta = {
      bytes: 12_345.6,
      packets: 100,
      packetsLost: 2,
      framesDecoded: 300,
      framesDropped: 4,
      freezes: 1,
      freezeMs: 90_000,
      video: true,
    };
    const receive = toReport('receive', 10_000.4, delta, { timeToFirstFrameMs: 812.7, connections: { attempts: 1, failures: 0 } });
    assert.deepEqual(receive, {
      direction: 'receive',
      intervalMs: 10_000,
      bytes: 12_346,
      packets: 100,
      packetsLost: 2,
      framesDecoded: 300,
      framesDropped: 4,
      freezes: 1,
      freezeMs: 10_000,
      timeToFirstFrameMs: 813,
      connectAttempts: 1,
      connectFailures: 0,
    });
    assert.deepEqual(toReport('send', 70_000, delta, { timeToFirstFrameMs: 500 }), {
      direction: 'send',
      intervalMs: 60_000,
      bytes: 12_346,
      packets: 100,
      packetsLost: 2,
    });
    const late = toReport('receive', 10_000, delta, { timeToFirstFrameMs: 130_000, connections: { attempts: 0, failures: 0 } });
    assert.equal(late.timeToFirstFrameMs, undefined, 'a first frame after two minutes is not the network’s time');
    assert.equal(late.connectAttempts, undefined);
  });
});
