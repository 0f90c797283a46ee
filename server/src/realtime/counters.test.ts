// Live viewer counters: pushed when they change, at most once per second per session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Counters } from '@golive/sdk/protocol';
import { eventually, TestStack } from '../../test/harness.ts';
import { liveSession, RealtimeClients } from '../../test/realtime-clients.ts';
import { connection, deliver, joinedEvent, leftEvent } from '../../test/webhook-fixtures.ts';

describe('session.counters pushes', () => {
  let stack: TestStack;
  const clients = new RealtimeClients();
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    clients.closeAll();
    await stack?.stop();
  });

  it('coalesces a burst of joins into at most one push per second, ending on the exact count', async () => {
    const { id } = await liveSession(stack);
    const sub = await (await clients.connect(stack)).subscribe(id);
    const pushes: (Counters & { at: number })[] = [];
    sub.on('counters', (c) => pushes.push({ ...c, at: Date.now() }));

    const now = Date.now();
    const viewers = Array.from({ length: 12 }, (_, i) => connection({ identity: `viewer-${i}`, role: 'viewer', joinedAtMs: now + i }));
    const started = Date.now();
    for (const v of viewers) assert.equal((await deliver(stack, joinedEvent(id, v))).body.result, 'applied');
    const first = viewers[0];
    assert.ok(first);
    assert.equal((await deliver(stack, leftEvent(id, { ...first, leftAtSec: Math.floor(Date.now() / 1000) + 1 }))).body.result, 'applied');
    const burstMs = Date.now() - started;

    await eventually(() => pushes.at(-1)?.viewerCount === 11, { what: 'the final count (11) pushed', timeoutMs: 5_000 });
    assert.equal(pushes.at(-1)?.peakViewers, 12);
    // 13 changes within the burst; pushes are at least ~1 s apart.
    for (let i = 1; i < pushes.length; i++) {
      const gap = (pushes[i]?.at ?? 0) - (pushes[i - 1]?.at ?? 0);
      assert.ok(gap >= 900, `pushes ${gap} ms apart`);
    }
    assert.ok(pushes.length <= Math.ceil(burstMs / 1000) + 1, `${pushes.length} pushes for 13 changes in ${burstMs} ms`);
    assert.equal(sub.counters.viewerCount, 11, 'the subscription holds the latest counters');
  });
});
