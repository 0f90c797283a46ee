import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { factories } from '../../test/factories.ts';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import {
  type Connection,
  connection,
  deliver,
  generateTimeline,
  isCounted,
  joinedEvent,
  leftEvent,
  postWebhook,
  roomFinishedEvent,
  seededRandom,
  shuffleWithDuplicates,
  signWebhook,
  timelineEvents,
  trueCounts,
} from '../../test/webhook-fixtures.ts';

type SessionView = {
  id: string;
  status: string;
  viewerCount: number;
  peakViewers: number;
  endedBy: string | null;
  endReason: string | null;
};

describe('LiveKit webhooks on real PostgreSQL and livekit-server', () => {
  let stack: TestStack;
  before(async () => {
    // No reconciler here: these tests post synthetic participants that are not in the LiveKit
    // room, and the reconciler would rightly close them. reconciler.test.ts covers the two together.
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => stack?.stop());

  async function newSession(): Promise<string> {
    return (await factories(stack).goLive({ title: 'Webhook test' })).id;
  }

  async function counts(sessionId: string) {
    const row = await stack.services.db
      .selectFrom('sessions')
      .select(['viewer_count', 'peak_viewers', 'status', 'end_reason'])
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    return { viewerCount: row.viewer_count, peakViewers: row.peak_viewers, status: row.status, endReason: row.end_reason };
  }

  /**
   * The counts once the peak has settled: a batch of deliveries that arrived out of order has its
   * peak re-derived from every interval shortly after (presence.ts); the count is exact at once.
   */
  async function settledCounts(sessionId: string) {
    await eventually(
      async () =>
        (await stack.services.db.selectFrom('sessions').select('peak_dirty_since').where('id', '=', sessionId).executeTakeFirstOrThrow())
          .peak_dirty_since === null,
      { what: 'the peak to be re-derived' },
    );
    return counts(sessionId);
  }

  /** Everything a webhook could change, for "changes nothing" assertions. */
  async function snapshot(sessionId: string) {
    const { db } = stack.services;
    const session = await db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    const connections = await db.selectFrom('participant_connections').selectAll().where('session_id', '=', sessionId).execute();
    const events = await db.selectFrom('session_events').select('id').where('session_id', '=', sessionId).execute();
    const deliveries = await db
      .selectFrom('livekit_webhook_deliveries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    return { session, connections, events: events.length, deliveries: Number(deliveries?.n) };
  }

  async function metric(event: string, result: string): Promise<number> {
    const { values } = await stack.services.metrics.webhookEvents.get();
    return values.find((v) => v.labels.event === event && v.labels.result === result)?.value ?? 0;
  }

  it('rejects forged, unsigned, tampered and expired deliveries with 401 WEBHOOK_SIGNATURE_INVALID, changing nothing', async () => {
    const sessionId = await newSession();
    const key = stack.livekitServer.endpoint;
    const join = joinedEvent(sessionId, connection({ identity: 'v1', role: 'viewer', joinedAtMs: Date.now() }));
    const raw = join.toJsonString();
    const finish = roomFinishedEvent(sessionId).toJsonString();
    const before = await snapshot(sessionId);
    const rejectedBefore = await metric('unverified', 'rejected');

    const attempts: [string, string, string | null][] = [
      ['wrong secret', raw, await signWebhook(raw, { apiKey: key.apiKey, apiSecret: `${key.apiSecret}x` })],
      ['unknown API key', raw, await signWebhook(raw, { apiKey: 'APIotherkey', apiSecret: key.apiSecret })],
      ['no Authorization', raw, null],
      ['Authorization not a JWT', raw, 'not-a-jwt'],
      ['body changed after signing', raw.replace('"v1"', '"v2"'), await signWebhook(raw, key)],
      ['signature of another body', raw, await signWebhook(finish, key)],
      ['expired signing token', raw, await signWebhook(raw, key, -120)],
      [
        'forged room_finished',
        finish,
        await signWebhook(finish, { apiKey: key.apiKey, apiSecret: 'forged-secret-forged-secret-forged-secret' }),
      ],
      ['expired room_finished', finish, await signWebhook(finish, key, -120)],
    ];
    for (const [what, body, authorization] of attempts) {
      const res = await postWebhook(stack, body, authorization);
      assert.equal(res.status, 401, what);
      assert.equal(res.body.code, 'WEBHOOK_SIGNATURE_INVALID', what);
    }
    assert.deepEqual(await snapshot(sessionId), before, 'rejected deliveries changed nothing');
    assert.equal((await metric('unverified', 'rejected')) - rejectedBefore, attempts.length);

    // The same bodies, signed properly, do apply: the rejections above were about the signature.
    assert.deepEqual((await postWebhook(stack, raw, await signWebhook(raw, key))).body, { result: 'applied' });
    assert.deepEqual(await counts(sessionId), { viewerCount: 1, peakViewers: 1, status: 'live', endReason: null });
    assert.deepEqual((await postWebhook(stack, finish, await signWebhook(finish, key))).body, { result: 'applied' });
    assert.equal((await counts(sessionId)).status, 'ended');
  });

  it('applies each event id once: replays, even re-signed, are duplicates and count nothing', async () => {
    const sessionId = await newSession();
    const viewer = connection({ identity: 'v1', role: 'viewer', joinedAtMs: Date.now() - 5_000, leftAtSec: Math.floor(Date.now() / 1000) });
    const join = joinedEvent(sessionId, viewer);
    const raw = join.toJsonString();
    const authorization = await signWebhook(raw, stack.livekitServer.endpoint);

    assert.deepEqual((await postWebhook(stack, raw, authorization)).body, { result: 'applied' });
    assert.deepEqual((await postWebhook(stack, raw, authorization)).body, { result: 'duplicate' }, 'byte-identical replay');
    assert.deepEqual((await deliver(stack, join)).body, { result: 'duplicate' }, 're-signed replay');
    assert.deepEqual(await counts(sessionId), { viewerCount: 1, peakViewers: 1, status: 'live', endReason: null });

    const leave = leftEvent(sessionId, viewer);
    assert.deepEqual((await deliver(stack, leave)).body, { result: 'applied' });
    assert.deepEqual((await deliver(stack, leave)).body, { result: 'duplicate' });
    assert.deepEqual(await counts(sessionId), { viewerCount: 0, peakViewers: 1, status: 'live', endReason: null });
    const logged = await stack.services.db
      .selectFrom('session_events')
      .select('type')
      .where('session_id', '=', sessionId)
      .where('type', 'like', 'live.participant.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      logged.map((e) => e.type),
      ['live.participant.joined', 'live.participant.left'],
      'one audit event per distinct delivery',
    );
  });

  it('counts only visible viewers: hosts, guests, hidden observers and unlabelled participants are not viewers', async () => {
    const sessionId = await newSession();
    const t0 = Date.now() - 60_000;
    const people = [
      connection({ identity: 'host', role: 'host', joinedAtMs: t0 + 101 }),
      connection({ identity: 'guest', role: 'guest', joinedAtMs: t0 + 1_202 }),
      connection({ identity: 'admin', role: 'observer', hidden: true, joinedAtMs: t0 + 2_303 }),
      connection({ identity: 'lurker', role: 'viewer', hidden: true, joinedAtMs: t0 + 3_404 }),
      connection({ identity: 'no-role', role: null, joinedAtMs: t0 + 4_505 }),
      connection({ identity: 'v1', role: 'viewer', joinedAtMs: t0 + 5_606 }),
      connection({ identity: 'v2', role: 'viewer', joinedAtMs: t0 + 6_707 }),
    ];
    for (const person of people) assert.equal((await deliver(stack, joinedEvent(sessionId, person))).body.result, 'applied');
    assert.deepEqual(await counts(sessionId), { viewerCount: 2, peakViewers: 2, status: 'live', endReason: null });

    const [host, , admin, , , v1] = people;
    for (const [person, sec] of [
      [host, 10],
      [admin, 11],
      [v1, 12],
    ] as const) {
      if (!person) throw new Error('fixture');
      assert.equal(
        (await deliver(stack, leftEvent(sessionId, { ...person, leftAtSec: Math.floor(t0 / 1000) + sec }))).body.result,
        'applied',
      );
    }
    const view = await stack.request<SessionView>('GET', `/v1/sessions/${sessionId}`, { token: await userToken(uniqueUser()) });
    assert.equal(view.body.viewerCount, 1);
    assert.equal(view.body.peakViewers, 2);
  });

  it('keeps counts exact under shuffled, duplicated and concurrent deliveries of a realistic timeline', async (t) => {
    const seed = process.env.GOLIVE_TEST_SEED ? Number(process.env.GOLIVE_TEST_SEED) : randomInt(2 ** 31);
    t.diagnostic(`seed ${seed} (rerun with GOLIVE_TEST_SEED=${seed})`);
    const random = seededRandom(seed);
    const shuffles = 6;
    for (let round = 0; round < shuffles; round++) {
      const concurrent = round === shuffles - 1;
      // Every failure message names the seed, so the exact run can be replayed.
      const label = `seed ${seed} round ${round}${concurrent ? ' (concurrent)' : ''}`;
      const sessionId = await newSession();
      const timeline = generateTimeline(random, Date.now() - 10 * 60_000);
      const truth = trueCounts(timeline);
      const order = shuffleWithDuplicates(random, timelineEvents(sessionId, timeline));
      if (concurrent) await deliverConcurrently(sessionId, order, label);
      else await deliverCheckingEachStep(sessionId, timeline, order, label);
      const final = await settledCounts(sessionId);
      assert.deepEqual(
        { viewerCount: final.viewerCount, peakViewers: final.peakViewers },
        truth,
        `${label}: ${timeline.length} connections, ${order.length} deliveries`,
      );
      assert.ok(truth.peakViewers >= 3, `${label}: the timeline is not trivial (peak ${truth.peakViewers})`);
    }
  });

  /** Delivers one by one; after each, the count equals what a correct ingester knows so far. */
  async function deliverCheckingEachStep(
    sessionId: string,
    timeline: Connection[],
    order: ReturnType<typeof timelineEvents>,
    label: string,
  ) {
    const seen = new Set<string>();
    const bySid = new Map(timeline.map((c) => [c.sid, c]));
    const joined = new Set<string>();
    const left = new Set<string>();
    for (const [step, event] of order.entries()) {
      const res = await deliver(stack, event);
      const expected = seen.has(event.id) ? 'duplicate' : 'applied';
      assert.equal(res.body.result, expected, `${label} step ${step}: ${event.event} ${event.participant?.identity}`);
      seen.add(event.id);
      const sid = event.participant?.sid ?? '';
      if (event.event === 'participant_joined') joined.add(sid);
      else left.add(sid);
      // LiveKit keeps one connection per identity: a later join of the same identity ends an
      // earlier connection even before its leave arrives.
      const replaced = (c: Connection) =>
        [...joined].some((s) => {
          const other = bySid.get(s);
          return other?.identity === c.identity && (other.joinedAtMs ?? 0) > (c.joinedAtMs ?? 0);
        });
      const known = [...joined].filter((s) => {
        const c = bySid.get(s);
        return c !== undefined && !left.has(s) && isCounted(c) && !replaced(c);
      }).length;
      const now = await counts(sessionId);
      assert.equal(now.viewerCount, known, `${label} step ${step}: viewer count after ${event.event}`);
      assert.ok(now.viewerCount >= 0 && now.peakViewers >= now.viewerCount, `${label} step ${step}: ${JSON.stringify(now)}`);
    }
  }

  /** Eight deliveries in flight at a time: the session row lock serialises them. */
  async function deliverConcurrently(sessionId: string, order: ReturnType<typeof timelineEvents>, label: string) {
    for (let i = 0; i < order.length; i += 8) {
      const results = await Promise.all(order.slice(i, i + 8).map((event) => deliver(stack, event)));
      for (const res of results) assert.equal(res.status, 200, `${label}: ${JSON.stringify(res.body)}`);
    }
    const stored = await stack.services.db
      .selectFrom('session_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('session_id', '=', sessionId)
      .where('type', 'like', 'live.participant.%')
      // A rejoin also records the end of the connection it replaced (presence.ts): not a delivery.
      .where(sql<boolean>`reason is distinct from 'replaced'`)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), new Set(order.map((e) => e.id)).size, `${label}: one audit event per distinct event id`);
  }

  it('keeps in the peak a viewer who leaves within the same second others joined', async () => {
    // LiveKit stamps a leave only to the second. Three viewers join in second S, one leaves in S
    // and its webhook arrives at once: all three were connected together.
    const sessionId = await newSession();
    const second = Math.floor((Date.now() - 5) / 1000);
    const viewers = [1, 2, 3].map((ms) => connection({ identity: `v${ms}`, role: 'viewer', joinedAtMs: second * 1000 + ms }));
    for (const v of viewers) await deliver(stack, joinedEvent(sessionId, v));
    const [, , last] = viewers;
    if (!last) throw new Error('fixture');
    assert.equal((await deliver(stack, leftEvent(sessionId, { ...last, leftAtSec: second }))).body.result, 'applied');
    assert.deepEqual(await counts(sessionId), { viewerCount: 2, peakViewers: 3, status: 'live', endReason: null });
  });

  it('gives the same peak whatever the arrival order when a late leave and a join share an instant', async () => {
    // A late leave stamped second S is placed at S.999; here a join lands on that very millisecond.
    const second = Math.floor(Date.now() / 1000) - 30;
    const a = connection({ identity: 'a', role: 'viewer', joinedAtMs: (second - 5) * 1000 + 123, leftAtSec: second });
    const b = connection({ identity: 'b', role: 'viewer', joinedAtMs: second * 1000 + 999 });
    const orders = [
      ['a+', 'b+', 'a-'],
      ['a+', 'a-', 'b+'],
      ['b+', 'a+', 'a-'],
      ['b+', 'a-', 'a+'],
      ['a-', 'a+', 'b+'],
      ['a-', 'b+', 'a+'],
    ];
    const peaks: number[] = [];
    for (const order of orders) {
      const sessionId = await newSession();
      const events = { 'a+': joinedEvent(sessionId, a), 'a-': leftEvent(sessionId, a), 'b+': joinedEvent(sessionId, b) };
      for (const name of order) await deliver(stack, events[name as keyof typeof events]);
      const final = await settledCounts(sessionId);
      assert.equal(final.viewerCount, 1, order.join(' '));
      peaks.push(final.peakViewers);
    }
    // At one instant leaves sort before joins (presence/counts.ts), so a and b never overlap.
    assert.deepEqual(peaks, [1, 1, 1, 1, 1, 1], orders.map((o) => o.join(' ')).join(' | '));
  });

  it('ends a connection when the same identity joins again, also when its leave never comes, in either order', async () => {
    // The node holding the first connection died: LiveKit sends no leave for it, only the rejoin.
    const first = connection({ identity: 'v', role: 'viewer', joinedAtMs: Date.now() - 20_000 });
    const again = connection({ identity: 'v', role: 'viewer', joinedAtMs: Date.now() - 5_000 });
    const other = connection({ identity: 'w', role: 'viewer', joinedAtMs: Date.now() - 10_000 });
    for (const order of [
      [first, other, again],
      [again, other, first],
    ]) {
      const sessionId = await newSession();
      for (const c of order) assert.equal((await deliver(stack, joinedEvent(sessionId, c))).body.result, 'applied');
      assert.deepEqual(
        await counts(sessionId),
        { viewerCount: 2, peakViewers: 2, status: 'live', endReason: null },
        order.map((c) => c.sid).join(' '),
      );
      const rows = await stack.services.db
        .selectFrom('participant_connections')
        .select(['participant_sid', 'left_at'])
        .where('session_id', '=', sessionId)
        .where('identity', '=', 'v')
        .execute();
      const closed = rows.find((r) => r.participant_sid === first.sid);
      assert.equal(closed?.left_at?.getTime(), again.joinedAtMs, 'the first connection ended when the second joined');
      assert.equal(rows.find((r) => r.participant_sid === again.sid)?.left_at, null);
      // LiveKit's own leave, when it does come, gives the real time.
      const leftAtSec = Math.floor((first.joinedAtMs ?? 0) / 1000) + 3;
      assert.equal((await deliver(stack, leftEvent(sessionId, { ...first, leftAtSec }))).body.result, 'applied');
      assert.deepEqual(await counts(sessionId), { viewerCount: 2, peakViewers: 2, status: 'live', endReason: null });
    }
  });

  it('ends the session on room_finished, deletes nothing twice, and ignores later participant events', async () => {
    const sessionId = await newSession();
    const finished = roomFinishedEvent(sessionId);
    assert.deepEqual((await deliver(stack, finished)).body, { result: 'applied' });
    assert.deepEqual((await deliver(stack, finished)).body, { result: 'duplicate' });
    const view = await stack.request<SessionView>('GET', `/v1/sessions/${sessionId}`, { token: await userToken(uniqueUser()) });
    assert.equal(view.body.status, 'ended');
    assert.equal(view.body.endReason, 'room_finished');
    assert.equal(view.body.endedBy, 'system');
    // The deletion is an effect of the end, carried out right after the commit.
    await eventually(async () => (await stack.services.livekit.listRooms([sessionId])).length === 0, {
      what: 'the LiveKit room to be gone',
    });
    const late = joinedEvent(sessionId, connection({ identity: 'late', role: 'viewer', joinedAtMs: Date.now() }));
    assert.deepEqual((await deliver(stack, late)).body, { result: 'ignored' });
    assert.equal((await counts(sessionId)).viewerCount, 0);
  });

  it('applies a room_finished whose first delivery failed when LiveKit retries it', async () => {
    const sessionId = await newSession();
    const { db } = stack.services;
    // An injected database failure while ending this one session.
    await sql`create or replace function golive_test_fail_end() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$`.execute(db);
    await sql
      .raw(`create trigger golive_test_fail_end before update on sessions for each row
            when (old.id = '${sessionId}') execute function golive_test_fail_end()`)
      .execute(db);
    const finished = roomFinishedEvent(sessionId);
    const raw = finished.toJsonString();
    const authorization = await signWebhook(raw, stack.livekitServer.endpoint);
    try {
      const failed = await postWebhook(stack, raw, authorization);
      assert.equal(failed.status, 500);
      assert.equal((await counts(sessionId)).status, 'live');
    } finally {
      await sql`drop trigger golive_test_fail_end on sessions`.execute(db);
    }
    assert.deepEqual((await postWebhook(stack, raw, authorization)).body, { result: 'applied' }, 'the retry is not a duplicate');
    assert.deepEqual(await counts(sessionId), { viewerCount: 0, peakViewers: 0, status: 'ended', endReason: 'room_finished' });
  });
});
