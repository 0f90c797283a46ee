import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dispose, Room } from '@livekit/rtc-node';
import { sql } from 'kysely';
import { factories } from '../../test/factories.ts';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';

type Grant = { token: string; livekitUrl: string; role: string; session: { id: string } };
type SessionView = {
  id: string;
  status: string;
  viewerCount: number;
  peakViewers: number;
  endedBy: string | null;
  endReason: string | null;
};

/** How late after its deadline a max-duration end still counts as on time. */
const ON_TIME_MS = 1_500;

describe('reconciler on real PostgreSQL and livekit-server', () => {
  let stack: TestStack;
  const connected: Room[] = [];
  const realtime = new RealtimeClients();
  before(async () => {
    stack = await TestStack.start();
  });
  after(async () => {
    realtime.closeAll();
    for (const room of connected) await room.disconnect().catch(() => undefined);
    await stack?.stop();
    // rtc-node's native side keeps the process alive until it is disposed.
    await dispose();
  });

  async function createSession(on: TestStack, extra: Record<string, unknown> = {}): Promise<Grant> {
    const created = await factories(on).goLive({ title: 'Reconciler test', extra });
    return { ...created.grant, session: created.session } as unknown as Grant;
  }

  async function sessionRow(on: TestStack, id: string) {
    return on.services.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** Asserts the session was ended by golive for max_duration, close to its deadline, and its room is gone. */
  async function assertEndedOnTime(on: TestStack, id: string) {
    const row = await sessionRow(on, id);
    assert.equal(row.status, 'ended');
    assert.equal(row.end_reason, 'max_duration');
    assert.equal(row.ended_by, 'system');
    const deadline = new Date(row.started_at).getTime() + row.max_duration_sec * 1000;
    const lateMs = new Date(row.ended_at ?? 0).getTime() - deadline;
    assert.ok(lateMs >= 0 && lateMs < ON_TIME_MS, `ended ${lateMs} ms after its deadline`);
    await eventually(async () => (await on.services.livekit.listRooms([id])).length === 0, { what: 'the LiveKit room to be deleted' });
  }

  async function connect(grant: { token: string; livekitUrl: string }): Promise<Room> {
    const room = new Room();
    connected.push(room);
    await room.connect(grant.livekitUrl, grant.token, { autoSubscribe: true, dynacast: false });
    return room;
  }

  it('ends a session at its max duration, on time, and deletes its LiveKit room', async () => {
    const { session } = await createSession(stack, { maxDurationSec: 5 });
    assert.equal((await sessionRow(stack, session.id)).status, 'live');
    await eventually(async () => (await sessionRow(stack, session.id)).status === 'ended', {
      timeoutMs: 5_000 + ON_TIME_MS + 5_000,
      intervalMs: 100,
      what: 'the session to end at its max duration',
    });
    await assertEndedOnTime(stack, session.id);
  });

  it('ends a session at its max duration even when golive restarts mid-session', async (t) => {
    const first = await TestStack.start();
    let second: TestStack | null = null;
    try {
      // Long enough that the restart (about a second) surely lands before the deadline.
      const { session } = await createSession(first, { maxDurationSec: 8 });
      await first.stopApp();
      const restartedAt = performance.now();
      second = await TestStack.start({
        databaseUrl: first.databaseUrl,
        livekit: { server: first.livekitServer, endpoint: first.livekitServer.endpoint, port: first.port },
      });
      const restarted = second;
      t.diagnostic(`golive restarted in ${Math.round(performance.now() - restartedAt)} ms`);
      const row = await sessionRow(restarted, session.id);
      assert.equal(row.status, 'live', 'the restart happened before the deadline');
      assert.equal((await restarted.services.livekit.listRooms([session.id])).length, 1, 'the room outlived the old golive');
      await eventually(async () => (await sessionRow(restarted, session.id)).status === 'ended', {
        timeoutMs: 8_000 + ON_TIME_MS + 5_000,
        intervalMs: 100,
        what: 'the restarted golive to end the session',
      });
      await assertEndedOnTime(restarted, session.id);
      const view = await restarted.request<SessionView>('GET', `/v1/sessions/${session.id}`, { token: await userToken(uniqueUser()) });
      assert.equal(view.body.endReason, 'max_duration');
    } finally {
      await second?.stop();
      await first.stop();
    }
  });

  it('corrects counts and connection rows from LiveKit when webhooks were lost or counts corrupted', async () => {
    const created = await createSession(stack);
    const id = created.session.id;
    const join = async (userId: string, admin = false) =>
      (await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, { token: await userToken(userId, { admin }) })).body;
    await connect(created);
    const viewers = [uniqueUser('v1'), uniqueUser('v2'), uniqueUser('v3')];
    const [v1, , v3] = viewers as [string, string, string];
    const rooms = new Map<string, Room>();
    for (const v of viewers) rooms.set(v, await connect(await join(v)));
    const admin = uniqueUser('admin');
    const adminGrant = await join(admin, true);
    assert.equal(adminGrant.role, 'observer');
    await connect(adminGrant);
    const counts = async () => {
      const row = await sessionRow(stack, id);
      return { viewerCount: row.viewer_count, peakViewers: row.peak_viewers };
    };
    // Host, three viewers and a hidden admin, from real webhooks.
    await eventually(async () => (await counts()).viewerCount === 3, { what: '3 viewers from webhooks' });
    await rooms.get(v3)?.disconnect();
    await eventually(async () => (await counts()).viewerCount === 2, { what: 'v3 to leave' });
    assert.deepEqual(await counts(), { viewerCount: 2, peakViewers: 3 });
    const openRows = async () =>
      (
        await stack.services.db
          .selectFrom('participant_connections')
          .select(['identity', 'counted'])
          .where('session_id', '=', id)
          .where('left_at', 'is', null)
          .orderBy('identity')
          .execute()
      ).map((r) => `${r.identity}:${r.counted ? 'viewer' : 'not-viewer'}`);
    const truthRows = await openRows();
    assert.equal(truthRows.length, 4, 'host, admin, v1, v2');

    // Drift: v3's leave, v1's join and the host's and admin's joins never arrived, and the stored counts are garbage.
    const host = (await sessionRow(stack, id)).host_id;
    await stack.services.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('participant_connections')
        .set({ left_at: null })
        .where('session_id', '=', id)
        .where('identity', '=', v3)
        .execute();
      await trx.deleteFrom('participant_connections').where('session_id', '=', id).where('identity', 'in', [v1, admin, host]).execute();
      await trx.updateTable('sessions').set({ viewer_count: 9, peak_viewers: 40 }).where('id', '=', id).execute();
    });
    assert.notDeepEqual(await openRows(), truthRows);

    // One pass restores the lost joins with their roles and repairs the counts from the rows.
    await stack.services.reconciler.runOnce();
    const restored = await openRows();
    for (const row of truthRows) assert.ok(restored.includes(row), `${row} restored from LiveKit's participant list`);
    // v3 is closed by the first pass that sees its join older than the clock-skew margin (2 s):
    // a younger connection missing from the list may just be newer than the list.
    await eventually(
      async () => {
        await stack.services.reconciler.runOnce();
        return (await counts()).viewerCount === 2;
      },
      { what: "v3's lost leave to be applied" },
    );
    assert.deepEqual(await counts(), { viewerCount: 2, peakViewers: 3 });
    assert.deepEqual(await openRows(), truthRows, 'open rows match LiveKit');
    const inLivekit = (await stack.services.livekit.listParticipants(id)).map((p) => p.identity).sort();
    assert.deepEqual(inLivekit, truthRows.map((r) => r.split(':')[0]).sort());

    // A second pass finds nothing to correct.
    const before = await stack.services.db.selectFrom('participant_connections').selectAll().where('session_id', '=', id).execute();
    await stack.services.reconciler.runOnce();
    assert.deepEqual(await counts(), { viewerCount: 2, peakViewers: 3 });
    assert.deepEqual(
      await stack.services.db.selectFrom('participant_connections').selectAll().where('session_id', '=', id).execute(),
      before,
    );
  });

  it('repairs a corrupted viewer count even when every connection row is right', async () => {
    const created = await createSession(stack);
    const id = created.session.id;
    await connect(created);
    const viewer = await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, { token: await userToken(uniqueUser('v')) });
    await connect(viewer.body);
    await eventually(async () => (await sessionRow(stack, id)).viewer_count === 1, { what: 'the viewer from webhooks' });
    const watcher = await realtime.connect(stack);
    const sub = await watcher.subscribe(id);
    const pushed: number[] = [];
    sub.on('counters', (c) => pushed.push(c.viewerCount));
    await stack.services.db.updateTable('sessions').set({ viewer_count: 5, peak_viewers: 0 }).where('id', '=', id).execute();
    // Observe (not replace) the broadcaster, so the push is known to come from this pass.
    const broadcaster = stack.services.broadcaster;
    const original = broadcaster.countersChanged.bind(broadcaster);
    const notified: string[] = [];
    broadcaster.countersChanged = (sessionId: string) => {
      notified.push(sessionId);
      original(sessionId);
    };
    try {
      await stack.services.reconciler.runOnce();
    } finally {
      broadcaster.countersChanged = original;
    }
    assert.ok(notified.includes(id), 'the reconciler pushes the corrected count');
    const row = await sessionRow(stack, id);
    assert.deepEqual({ viewerCount: row.viewer_count, peakViewers: row.peak_viewers }, { viewerCount: 1, peakViewers: 1 });
    await eventually(() => pushed.includes(1), { what: 'the corrected count pushed to realtime subscribers' });
  });

  it('ends a live session whose LiveKit room was deleted behind its back', async () => {
    const { session } = await createSession(stack);
    await stack.services.livekit.deleteRoom(session.id);
    await eventually(async () => (await sessionRow(stack, session.id)).status === 'ended', {
      timeoutMs: 20_000,
      what: 'the session to end',
    });
    const row = await sessionRow(stack, session.id);
    assert.ok(['room_finished', 'room_missing'].includes(row.end_reason ?? ''), `end reason ${row.end_reason}`);
    assert.equal(row.ended_by, 'system');
  });

  it('re-creates the room of a live session that vanished without a webhook, and keeps the session live', async () => {
    // As after a livekit-server restart: the room is gone and no room_finished was ever sent.
    const id = randomUUID();
    await stack.services.db
      .insertInto('sessions')
      .values({
        id,
        host_id: uniqueUser('host'),
        host_name: 'Host',
        title: 'Lost room',
        mode: 'broadcast',
        visibility: 'public',
        external_ref: null,
        tags: [],
        cover_url: null,
        max_duration_sec: 7200,
        status: 'live',
        last_webhook_at: null,
        started_at: sql<Date>`now() - interval '1 minute'`,
        ended_at: null,
        ended_by: null,
        end_reason: null,
      })
      .execute();
    assert.deepEqual(await stack.services.livekit.listRooms([id]), [], 'no room yet');
    await stack.services.reconciler.runOnce();
    assert.equal((await sessionRow(stack, id)).status, 'live');
    const [room] = await stack.services.livekit.listRooms([id]);
    assert.equal(room?.name, id, 'the room is back, under the same name');
    assert.equal(room?.emptyTimeout, stack.config.sessions.roomEmptyTimeoutSec, 'with the same settings');
    const events = await stack.services.db
      .selectFrom('session_events')
      .select(['type', 'data'])
      .where('session_id', '=', id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['live.session.interrupted', 'live.session.resumed'],
    );
    const resumed = (events[1]?.data ?? {}) as { roomRecreated?: boolean; interruptedSec?: number };
    assert.equal(resumed.roomRecreated, true);
    assert.equal(typeof resumed.interruptedSec, 'number');
    // A second pass finds the room there and records nothing more.
    await stack.services.reconciler.runOnce();
    const after = await stack.services.db.selectFrom('session_events').select('type').where('session_id', '=', id).execute();
    assert.equal(after.length, 2);
    await stack.services.sessions.end(id, { actor: 'system', reason: 'test_cleanup' });
  });

  it("leaves other apps' rooms on a shared LiveKit alone, and deletes rooms of sessions that ended while LiveKit was unreachable", async () => {
    const { livekit, reconciler, db } = stack.services;
    const errorsLoggedDuring = async (run: () => Promise<void>) => {
      const from = stack.logs.lines.length;
      await run();
      return stack.logs.lines.slice(from).filter((line) => {
        const entry = JSON.parse(line);
        return entry.component === 'reconciler' && entry.level >= 50;
      });
    };
    const foreign = `other-app-${randomUUID().slice(0, 8)}`;
    await livekit.createRoom(foreign, { emptyTimeoutSec: 60, departureTimeoutSec: 10, metadata: '' });
    assert.deepEqual(await errorsLoggedDuring(() => reconciler.runOnce()), [], 'a pass with only a foreign room to look at');
    assert.equal((await livekit.listRooms([foreign])).length, 1, 'a room golive does not own is kept');

    const { session } = await createSession(stack);
    // As if endSession committed but its deleteRoom call failed.
    await db
      .updateTable('sessions')
      .set({ status: 'ended', ended_at: new Date(), ended_by: 'system', end_reason: 'test' })
      .where('id', '=', session.id)
      .execute();
    assert.deepEqual(await errorsLoggedDuring(() => reconciler.runOnce()), []);
    assert.deepEqual(await livekit.listRooms([session.id]), [], 'the orphaned room is deleted');
    assert.equal((await livekit.listRooms([foreign])).length, 1);
    await livekit.deleteRoom(foreign);
  });

  it('runOnce called while a pass is in flight runs a fresh pass after it, shared by concurrent callers', async () => {
    const { livekit, reconciler } = stack.services;
    let passes = 0;
    const listRooms = livekit.listRooms.bind(livekit);
    // Counts passes by their one listRooms call; LiveKit is still called for real.
    livekit.listRooms = async (names?: string[]) => {
      if (names === undefined) passes++;
      return listRooms(names);
    };
    try {
      await reconciler.runOnce();
      passes = 0;
      const inFlight = reconciler.runOnce();
      const followers = [reconciler.runOnce(), reconciler.runOnce(), reconciler.runOnce()];
      await Promise.all([inFlight, ...followers]);
      assert.equal(passes, 2, 'the in-flight pass plus one shared follow-up');
    } finally {
      livekit.listRooms = listRooms;
    }
  });
});
