// Fast tier: a subscription's state when pushes race its subscribe answer. The server joins the
// session's room before it reads the answer, so a push may arrive before an answer that was read
// before the push's change: the push must win, not be overwritten by the older answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngestStatus, SessionSettingsView, SubscribeResult } from './protocol.ts';
import { SessionSubscription, type SubscriptionTransport } from './session-subscription.ts';

const SETTINGS = { chatEnabled: true, slowModeSec: 0 } as SessionSettingsView;
const WAITING: IngestStatus = {
  sessionId: 's1',
  state: 'waiting',
  protocol: null,
  video: null,
  audio: null,
  bitrateKbps: null,
  stopReason: null,
  message: null,
  updatedAt: '2026-12-01T18:00:00.000Z',
};

/** The answer as the server read it: no ingest yet, chat on. */
function answer(): SubscribeResult {
  return {
    session: { id: 's1', status: 'live', settings: SETTINGS, viewerCount: 3, peakViewers: 3 },
    messages: [],
    headSeq: 0,
    truncated: false,
    deletedMessageIds: [],
    pinned: null,
    reactionTotals: {},
    reactions: [],
    role: 'host',
    permissions: {} as SubscribeResult['permissions'],
    ingest: null,
    recording: null,
  };
}

/** A transport whose subscribe answer is held until the test releases it. */
function heldTransport() {
  let release: (result: SubscribeResult) => void = () => undefined;
  const transport: SubscriptionTransport = {
    request: <E, T>(_event: E) => new Promise<T>((resolve) => (release = resolve as (r: SubscribeResult) => void)),
    forget: () => undefined,
  };
  return { transport, release: (result: SubscribeResult) => release(result) };
}

describe('a subscription whose subscribe answer is in flight', () => {
  it('applies the pushes that came first on top of the answer, in order', async () => {
    const { transport, release } = heldTransport();
    const sub = new SessionSubscription('s1', transport, 500);
    const told: (IngestStatus | null)[] = [];
    sub.on('ingest', (i) => told.push(i));
    const subscribing = sub.resume();
    // createIngest committed after the answer was read; its push overtakes the answer.
    sub.afterAnswer(() => sub.onIngest(WAITING));
    sub.afterAnswer(() => sub.onSettings({ ...SETTINGS, chatEnabled: false }));
    sub.afterAnswer(() => sub.onCounters({ sessionId: 's1', viewerCount: 4, peakViewers: 4 }));
    assert.equal(sub.ingest, undefined, 'held until the answer');
    release(answer());
    await subscribing;
    assert.deepEqual(sub.ingest, WAITING, 'the pushed ingest, not the answer’s null');
    assert.equal(sub.settings?.chatEnabled, false);
    assert.equal(sub.counters.viewerCount, 4);
    assert.deepEqual(told, [WAITING]);
  });

  it('applies pushes at once when no answer is awaited, and after a failed subscribe too', async () => {
    const { transport, release } = heldTransport();
    const sub = new SessionSubscription('s1', transport, 500);
    const subscribing = sub.resume();
    release(answer());
    await subscribing;
    sub.afterAnswer(() => sub.onIngest(WAITING));
    assert.deepEqual(sub.ingest, WAITING);

    const failing = new SessionSubscription('s1', { request: () => Promise.reject(new Error('refused')), forget: () => undefined }, 500);
    const refused = failing.resume();
    failing.afterAnswer(() => failing.onIngest(WAITING));
    await assert.rejects(refused, /refused/);
    assert.deepEqual(failing.ingest, WAITING, 'not held forever');
  });
});
