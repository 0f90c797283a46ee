import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, uniqueUser, userToken } from '../../../server/test/harness.ts';
import { createGoliveClient } from '../client.ts';
import type { TelemetryReport } from '../types.ts';
import { MediaTelemetry } from './media-telemetry.ts';
import type { RtcStat } from './rtc-stats.ts';

/**
 * What a client's connection shows at each moment: the stats its receivers and senders return.
 * The clock is driven by the test, and the timers are set far out: the test calls sample(),
 * report() and probeFirstFrame() itself, as the timers would.
 */
function scripted() {
  const state = { now: 0, receivers: [] as RtcStat[], senders: [] as RtcStat[] };
  const sent: TelemetryReport[] = [];
  const errors: unknown[] = [];
  const toMap = (stats: RtcStat[]) => [new Map(stats.map((s) => [s.id, s]))];
  const telemetry = new MediaTelemetry({
    source: { receivers: async () => toMap(state.receivers), senders: async () => toMap(state.senders) },
    send: async (report) => void sent.push(report),
    intervalMs: 3_600_000,
    sampleMs: 3_600_000,
    firstFrameProbeMs: 3_600_000,
    now: () => state.now,
    onError: (error) => errors.push(error),
  });
  return { state, sent, errors, telemetry };
}

const video = (bytesReceived: number, framesDecoded: number, extra: Record<string, number> = {}): RtcStat => ({
  id: 'IT01V1',
  type: 'inbound-rtp',
  kind: 'video',
  bytesReceived,
  packetsReceived: Math.floor(bytesReceived / 1000),
  packetsLost: 0,
  framesDecoded,
  framesDropped: 0,
  ...extra,
});
const camera = (bytesSent: number): RtcStat => ({
  id: 'OT01V1',
  type: 'outbound-rtp',
  kind: 'video',
  bytesSent,
  packetsSent: bytesSent / 1000,
});

describe('MediaTelemetry: what a watching and publishing client sends every interval', () => {
  it('sends a receive and a send report per interval, with the first frame and the connection once', async () => {
    const { state, sent, errors, telemetry } = scripted();
    telemetry.start();
    telemetry.connection('connecting');
    state.now = 150;
    await telemetry.probeFirstFrame();
    state.now = 400;
    telemetry.connection('connected');
    state.receivers = [video(2000, 0)];
    await telemetry.probeFirstFrame();
    state.now = 900;
    state.receivers = [video(9000, 3)];
    await telemetry.probeFirstFrame();
    state.receivers = [video(9000, 50)];
    state.now = 1500;
    await telemetry.probeFirstFrame();

    state.now = 10_000;
    state.receivers = [video(1_250_000, 300, { framesDropped: 6, freezeCount: 1, totalFreezesDuration: 0.5 })];
    state.senders = [camera(600_000)];
    await telemetry.report();
    assert.deepEqual(sent, [
      {
        direction: 'receive',
        intervalMs: 10_000,
        bytes: 1_250_000,
        packets: 1250,
        packetsLost: 0,
        framesDecoded: 300,
        framesDropped: 6,
        freezes: 1,
        freezeMs: 500,
        timeToFirstFrameMs: 900,
        connectAttempts: 1,
        connectFailures: 0,
      },
      { direction: 'send', intervalMs: 10_000, bytes: 600_000, packets: 600, packetsLost: 0 },
    ]);

    state.now = 20_000;
    state.receivers = [video(2_500_000, 600, { framesDropped: 6, freezeCount: 1, totalFreezesDuration: 0.5 })];
    state.senders = [camera(1_200_000)];
    await telemetry.report();
    assert.deepEqual(sent[2], {
      direction: 'receive',
      intervalMs: 10_000,
      bytes: 1_250_000,
      packets: 1250,
      packetsLost: 0,
      framesDecoded: 300,
      framesDropped: 0,
      freezes: 0,
      freezeMs: 0,
    });
    assert.equal(sent[3]?.bytes, 600_000, 'the send side counts from the previous report too');

    // Stopped less than a second after the last report: nothing left worth a report.
    state.now = 20_400;
    await telemetry.stop();
    assert.equal(sent.length, 4);
    assert.deepEqual(errors, []);
  });

  it('counts streams up to their last reading when the connection closes between readings, and sends that at stop', async () => {
    const { state, sent, telemetry } = scripted();
    telemetry.start();
    state.receivers = [video(500_000, 100)];
    state.senders = [camera(300_000)];
    state.now = 10_000;
    await telemetry.report();
    state.receivers = [video(900_000, 180)];
    state.senders = [camera(700_000)];
    state.now = 12_000;
    await telemetry.sample();
    // The live ended: LiveKit closed the connection, and the page stops telemetry after that.
    state.receivers = [];
    state.senders = [];
    state.now = 13_500;
    await telemetry.stop();
    assert.deepEqual(
      sent.slice(2).map((r) => [r.direction, r.intervalMs, r.bytes, r.framesDecoded]),
      [
        ['receive', 3500, 400_000, 80],
        ['send', 3500, 400_000, undefined],
      ],
    );
  });

  it('reports a reconnect that failed as an attempt and a failure, with no streams left', async () => {
    const { state, sent, telemetry } = scripted();
    telemetry.start();
    telemetry.connection('connecting');
    telemetry.connection('connected');
    state.now = 10_000;
    await telemetry.report();
    assert.deepEqual(sent[0], {
      direction: 'receive',
      intervalMs: 10_000,
      bytes: 0,
      packets: 0,
      packetsLost: 0,
      framesDecoded: 0,
      framesDropped: 0,
      freezes: 0,
      freezeMs: 0,
      connectAttempts: 1,
      connectFailures: 0,
    });

    telemetry.connection('reconnecting');
    state.now = 14_000;
    telemetry.connection('disconnected');
    state.now = 15_000;
    await telemetry.stop();
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.intervalMs, 5000);
    assert.equal(sent[1]?.connectAttempts, 1);
    assert.equal(sent[1]?.connectFailures, 1);
  });

  it('puts the connection in the send report of a client that only publishes, and never throws into the app', async () => {
    const state = { now: 0 };
    const errors: unknown[] = [];
    const sent: TelemetryReport[] = [];
    const telemetry = new MediaTelemetry({
      source: { receivers: () => Promise.reject(new Error('getStats failed')), senders: async () => [new Map([['o', camera(50_000)]])] },
      send: async (report) => {
        sent.push(report);
        throw new Error('429');
      },
      intervalMs: 3_600_000,
      sampleMs: 3_600_000,
      firstFrameProbeMs: 3_600_000,
      now: () => state.now,
      onError: (error) => errors.push(error),
    });
    telemetry.start();
    telemetry.connection('connecting');
    telemetry.connection('connected');
    state.now = 10_000;
    await telemetry.stop();
    assert.deepEqual(sent, [
      { direction: 'send', intervalMs: 10_000, bytes: 50_000, packets: 50, packetsLost: 0, connectAttempts: 1, connectFailures: 0 },
    ]);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['getStats failed', '429'],
    );
  });
});

describe('MediaTelemetry against a real golive', () => {
  let stack: TestStack;
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => stack?.stop());

  it("golive accepts every report it builds, and the session's media stats add them up", async () => {
    const host = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(uniqueUser('host')) });
    const viewer = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(uniqueUser('viewer')) });
    const { session } = await host.createSession({ title: 'Telemetry', mode: 'broadcast', visibility: 'public' });
    const state = { now: 0, receivers: [] as RtcStat[] };
    const errors: unknown[] = [];
    const telemetry = new MediaTelemetry({
      source: { receivers: async () => [new Map(state.receivers.map((s) => [s.id, s]))], senders: async () => [] },
      send: (report) => viewer.sendTelemetry(session.id, report),
      intervalMs: 3_600_000,
      sampleMs: 3_600_000,
      firstFrameProbeMs: 3_600_000,
      now: () => state.now,
      onError: (error) => errors.push(error),
    });
    telemetry.start();
    telemetry.connection('connecting');
    state.now = 700;
    telemetry.connection('connected');
    state.receivers = [video(40_000, 4)];
    await telemetry.probeFirstFrame();
    state.now = 10_000;
    state.receivers = [video(1_000_000, 290, { framesDropped: 10 })];
    await telemetry.report();
    state.now = 16_000;
    state.receivers = [video(1_750_000, 440, { framesDropped: 10 })];
    await telemetry.stop();
    assert.deepEqual(errors, [], 'golive accepted both reports');

    const { media } = await host.getSessionStats(session.id);
    assert.equal(media.clients, 1);
    assert.equal(media.reports, 2);
    assert.equal(media.bytesReceived, 1_750_000);
    assert.equal(media.averageTimeToFirstFrameMs, 700);
    assert.equal(media.connectionSuccessRate, 1);
    assert.equal(media.droppedFrameRatio, Math.round((10 / 450) * 10_000) / 10_000);
    // 1,750,000 bytes × 8 over 16 s.
    assert.equal(media.receiveKbps, 875);
  });
});
