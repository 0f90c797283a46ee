// Two golive instances with the worker role on one PostgreSQL and one LiveKit: every committed
// effect runs exactly once (and in commit order where it has an ordering key), and the periodic
// reconciler runs on one instance at a time, handing over when that one stops.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { recordEffects } from '../src/effects/outbox.repository.ts';
import { eventually, TestStack } from './harness.ts';
import { liveSession, RealtimeClients } from './realtime-clients.ts';

const REDIS_URL = process.env.GOLIVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
// Fast ticks, so a few seconds show many passes and polls.
const ENV = { REDIS_URL, ROOM_CHECK_INTERVAL_MS: '200', OUTBOX_POLL_MS: '50' };

describe('two instances with the worker role', () => {
  let a: TestStack;
  let b: TestStack;
  const realtime = new RealtimeClients();
  before(async () => {
    a = await TestStack.start({ env: ENV });
    b = await TestStack.start({
      env: ENV,
      databaseUrl: a.databaseUrl,
      livekit: { server: a.livekitServer, endpoint: a.livekitServer.endpoint },
    });
  });
  after(async () => {
    realtime.closeAll();
    await b?.stopApp();
    await a?.stop();
  });

  const runs = async (stack: TestStack, kind: string) => {
    const metric = await stack.services.metrics.effectDuration.get();
    return metric.values.find((v) => v.metricName === 'golive_effect_duration_seconds_count' && v.labels.kind === kind)?.value ?? 0;
  };

  it('carry out every effect exactly once, in commit order, between them', async (t) => {
    const { id } = await liveSession(a);
    const onA = await (await realtime.connect(a)).subscribe(id);
    const onB = await (await realtime.connect(b)).subscribe(id);
    const seenA: string[] = [];
    const seenB: string[] = [];
    onA.on('deleted', (messageId) => seenA.push(messageId));
    onB.on('deleted', (messageId) => seenB.push(messageId));
    const baseline = (await runs(a, 'realtime.chat.deleted')) + (await runs(b, 'realtime.chat.deleted'));

    // Committed as a change would commit them, by a process that then died before running any:
    // only the two workers' pollers can carry them out.
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await a.services.db.transaction().execute((trx) =>
      recordEffects(
        trx,
        ids.map((messageId) => ({ kind: 'realtime.chat.deleted' as const, sessionId: id, messageId })),
      ),
    );
    await eventually(async () => seenA.length >= ids.length && seenB.length >= ids.length, {
      timeoutMs: 30_000,
      what: 'every push to reach the subscribers on both instances',
    });
    const rowsDone = async () =>
      (
        await a.services.db
          .selectFrom('outbox')
          .select('id')
          .where('session_id', '=', id)
          .where('kind', '=', 'realtime.chat.deleted')
          .where('status', '=', 'done')
          .execute()
      ).length;
    // A push goes out before its effect is marked done and counted.
    await eventually(async () => (await rowsDone()) === ids.length, { what: 'every effect marked done' });
    await Promise.all([a.services.effects.idle(), b.services.effects.idle()]);
    const ranA = await runs(a, 'realtime.chat.deleted');
    const ranB = await runs(b, 'realtime.chat.deleted');
    t.diagnostic(`instance a ran ${ranA}, instance b ran ${ranB} (100 effects, one ordering key)`);
    assert.equal(ranA + ranB - baseline, ids.length, 'each effect ran once in all');
    assert.deepEqual(seenA, ids, 'each push arrived once, in commit order, on instance a');
    assert.deepEqual(seenB, ids, 'and on instance b');
    const rows = await a.services.db
      .selectFrom('outbox')
      .select(['status', 'attempts', 'locked_by'])
      .where('session_id', '=', id)
      .where('kind', '=', 'realtime.chat.deleted')
      .execute();
    assert.equal(rows.length, ids.length);
    assert.ok(
      rows.every((r) => r.status === 'done' && r.attempts === 1),
      'done, each on its first and only attempt',
    );
    const holders = new Set(rows.map((r) => r.locked_by));
    assert.ok([...holders].every((h) => h === a.services.instanceId || h === b.services.instanceId));
  });

  it('run the periodic sync on one of them at a time, and hand it over when that one stops', async () => {
    const passes = async (stack: TestStack) =>
      (await stack.services.metrics.reconcilerPasses.get()).values.reduce((n, v) => n + v.value, 0);
    const holder = async () =>
      (await a.services.db.selectFrom('worker_leases').select('holder').where('name', '=', 'reconciler').executeTakeFirst())?.holder;
    const first = await holder();
    const [leader, follower] = first === a.services.instanceId ? [a, b] : [b, a];
    assert.equal(first, leader.services.instanceId);
    const leaderBefore = await passes(leader);
    const followerBefore = await passes(follower);
    await eventually(async () => (await passes(leader)) >= leaderBefore + 5, { what: 'the lease holder to run five more passes' });
    assert.equal(await passes(follower), followerBefore, 'the other instance ran none meanwhile');

    await leader.services.reconciler.stop();
    await eventually(async () => (await holder()) === follower.services.instanceId, { what: 'the other instance to take the lease over' });
    const handedOver = await passes(follower);
    await eventually(async () => (await passes(follower)) >= handedOver + 3, { what: 'the new holder to run passes' });
  });
});
