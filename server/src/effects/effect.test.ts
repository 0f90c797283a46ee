import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, orderingKeyOf, retryDelayMs, retryPolicyOf, runAtOf } from './effect.ts';

describe('effects: retry schedule and ordering keys', () => {
  it('backs off exponentially with equal jitter, capped', () => {
    const policy = { maxAttempts: 30, baseMs: 500, capMs: 60_000 };
    const low = (n: number) => backoffMs(policy, n, () => 0);
    const high = (n: number) => backoffMs(policy, n, () => 1);
    assert.deepEqual([1, 2, 3, 4].map(low), [250, 500, 1000, 2000], 'half the delay is fixed');
    assert.deepEqual([1, 2, 3, 4].map(high), [500, 1000, 2000, 4000], 'the other half is random');
    assert.equal(high(20), 60_000, 'never above the cap');
    assert.equal(low(20), 30_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffMs(policy, 5);
      assert.ok(d >= 4000 && d <= 8000, String(d));
    }
  });

  it('gives LiveKit commands a long retry budget and pushes a short one', () => {
    const attemptsOf = (kind: Parameters<typeof retryPolicyOf>[0]) => {
      let n = 1;
      while (retryDelayMs(retryPolicyOf(kind), n) !== null) n++;
      return n;
    };
    assert.ok(attemptsOf('livekit.participant.remove') >= 20);
    assert.ok(attemptsOf('realtime.role') <= 5);
  });

  it('follows a fixed schedule where one is configured, and stops after its last step', () => {
    const webhook = { scheduleMs: [5_000, 300_000] };
    const policy = retryPolicyOf('webhook.deliver', { 'webhook.deliver': webhook });
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(policy, n)),
      [5_000, 300_000, null],
    );
    assert.notDeepEqual(retryPolicyOf('livekit.room.delete', { 'webhook.deliver': webhook }), webhook, 'other kinds keep theirs');
  });

  it('orders a webhook endpoint’s deliveries per session', () => {
    const base = { kind: 'webhook.deliver' as const, eventType: 'live.session.started', eventId: '1' };
    const a = orderingKeyOf({ ...base, endpointId: 'e1', sessionId: 's1' });
    assert.equal(a, 'webhook:e1:s1');
    assert.notEqual(a, orderingKeyOf({ ...base, endpointId: 'e2', sessionId: 's1' }));
    assert.notEqual(a, orderingKeyOf({ ...base, endpointId: 'e1', sessionId: 's2' }));
  });

  it('orders a participant’s LiveKit commands together, a session’s pushes together, and nothing else', () => {
    const sessionId = 's1';
    const guestCanPublish = { camera: true, microphone: true, screen: true };
    const update = orderingKeyOf({ kind: 'livekit.participant.update', sessionId, identity: 'u', role: 'guest', guestCanPublish });
    const remove = orderingKeyOf({ kind: 'livekit.participant.remove', sessionId, identity: 'u' });
    const other = orderingKeyOf({ kind: 'livekit.participant.remove', sessionId, identity: 'v' });
    assert.equal(update, remove);
    assert.notEqual(update, other);
    assert.equal(orderingKeyOf({ kind: 'realtime.role', sessionId, userId: 'u', role: 'guest' }), 'realtime:s1');
    // The ingest participant's removal waits behind, and goes before, that identity's other commands.
    assert.equal(
      orderingKeyOf({ kind: 'ingest.participant.remove', sessionId, identity: 'u', keepKeyId: null }),
      orderingKeyOf({ kind: 'livekit.participant.remove', sessionId, identity: 'u' }),
    );
    assert.equal(orderingKeyOf({ kind: 'realtime.ingest', sessionId, ingest: null }), 'realtime:s1');
    assert.equal(orderingKeyOf({ kind: 'livekit.room.delete', sessionId }), null);
    assert.equal(runAtOf({ kind: 'livekit.room.delete', sessionId }), null);
    const at = '2030-01-01T00:00:00.000Z';
    assert.equal(runAtOf({ kind: 'session.expire', sessionId, runAt: at })?.toISOString(), at);
  });

  it('runs a recording’s start, stop and file deletion one at a time in commit order; its consent pushes with the session’s', () => {
    const sessionId = 's1';
    const start = orderingKeyOf({ kind: 'recording.start', sessionId, recordingId: 'r1' });
    assert.equal(start, 'recording:r1');
    assert.equal(orderingKeyOf({ kind: 'recording.stop', sessionId, recordingId: 'r1' }), start);
    assert.equal(orderingKeyOf({ kind: 'recording.files.delete', sessionId, recordingId: 'r1' }), start);
    assert.notEqual(orderingKeyOf({ kind: 'recording.start', sessionId, recordingId: 'r2' }), start);
    assert.equal(orderingKeyOf({ kind: 'realtime.recording', sessionId, recordingId: 'r1', recording: null }), 'realtime:s1');
    // The room metadata's recording flag: set and cleared in order, per room.
    const on = orderingKeyOf({ kind: 'livekit.room.metadata', sessionId, mode: 'broadcast', recording: true });
    assert.equal(on, orderingKeyOf({ kind: 'livekit.room.metadata', sessionId, mode: 'broadcast', recording: false }));
    assert.equal(runAtOf({ kind: 'recording.start', sessionId, recordingId: 'r1' }), null);
  });
});
