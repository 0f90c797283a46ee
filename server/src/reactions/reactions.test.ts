import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReactionBurst } from '@golive/sdk/protocol';
import { eventually, TestStack } from '../../test/harness.ts';
import { errorCode, liveSession, RealtimeClients } from '../../test/realtime-clients.ts';

describe('reactions', () => {
  let stack: TestStack;
  const clients = new RealtimeClients();
  before(async () => {
    stack = await TestStack.start({ reconciler: false, env: { REACTION_FLUSH_MS: '250', REACTION_RATE_LIMIT: '30' } });
  });
  after(async () => {
    clients.closeAll();
    await stack?.stop();
  });

  it('coalesces many taps into a few bursts carrying counts, and keeps running totals in PostgreSQL', async () => {
    const { id } = await liveSession(stack);
    const watcher = await (await clients.connect(stack)).subscribe(id);
    assert.deepEqual(watcher.reactionSet, ['❤️', '🔥', '👏', '😂', '😮']);
    const bursts: (ReactionBurst & { at: number })[] = [];
    watcher.on('reactions', (b) => bursts.push({ ...b, at: Date.now() }));
    const tappers = await Promise.all([0, 1, 2, 3, 4].map(async () => (await clients.connect(stack)).subscribe(id)));
    const started = Date.now();
    // 5 users × 20 taps = 100 taps within about a second.
    await Promise.all(
      tappers.map(async (t) => {
        for (let i = 0; i < 20; i++) await t.react(i % 4 === 0 ? '🔥' : '❤️');
      }),
    );
    const elapsedSec = (Date.now() - started) / 1000;
    await eventually(() => (watcher.reactionTotals['❤️'] ?? 0) === 75 && (watcher.reactionTotals['🔥'] ?? 0) === 25, {
      what: 'totals 75 ❤️ and 25 🔥',
    });
    const tapsInBursts = bursts.reduce((sum, b) => sum + Object.values(b.counts).reduce((x, y) => x + y, 0), 0);
    assert.equal(tapsInBursts, 100, 'every tap is counted exactly once');
    const spanSec = Math.max(0.25, ((bursts.at(-1)?.at ?? 0) - (bursts[0]?.at ?? 0)) / 1000);
    console.log(`100 taps in ${elapsedSec.toFixed(2)} s arrived as ${bursts.length} bursts over ${spanSec.toFixed(2)} s`);
    assert.ok(bursts.length < 100 / 5, `coalesced: ${bursts.length} bursts for 100 taps`);
    assert.ok(bursts.length <= Math.ceil(spanSec * 4) + 1, `at most ~4 bursts per second (${bursts.length} in ${spanSec.toFixed(2)} s)`);
    const rows = await stack.services.db.selectFrom('reaction_totals').select(['emoji', 'count']).where('session_id', '=', id).execute();
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.emoji, Number(r.count)])), { '❤️': 75, '🔥': 25 });
    const late = await (await clients.connect(stack)).subscribe(id);
    assert.deepEqual(late.reactionTotals, { '❤️': 75, '🔥': 25 }, 'totals come with subscribe');
  });

  it('refuses unknown reactions, rate-limits each user, and obeys reactionsEnabled', async () => {
    const { id, hostToken } = await liveSession(stack);
    const tapper = await (await clients.connect(stack)).subscribe(id);
    assert.equal(await errorCode(tapper.react('💩')), 'REACTION_UNKNOWN');
    const results: string[] = [];
    for (let i = 0; i < 31; i++) results.push(await errorCode(tapper.react('👏')));
    assert.equal(results.filter((r) => r === 'OK').length, 30);
    assert.equal(results.at(-1), 'RATE_LIMITED');
    await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { reactionsEnabled: false } });
    const other = await (await clients.connect(stack)).subscribe(id);
    await eventually(async () => (await errorCode(other.react('😂'))) === 'REACTIONS_DISABLED', {
      what: 'reactions off',
      timeoutMs: 3000,
      intervalMs: 200,
    });
  });
});
