// getSessionStats on a scripted session: viewers joining and leaving at known times (signed
// LiveKit webhooks, for exact timestamps) and real rtc-node viewers through livekit-server, a
// guest on and off stage, chat, reactions and telemetry. Every figure is checked against the
// truth computed here from what the test did (test/stats-truth.ts), live and after the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant } from '../../test/media.ts';
import { ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';
import { type TimelineConnection, type TimelineRoleChange, viewerTruth } from '../../test/stats-truth.ts';
import { type Connection, connection, deliver, joinedEvent, leftEvent } from '../../test/webhook-fixtures.ts';
import type { SessionStats } from './stats.schemas.ts';

type Grant = { token: string; livekitUrl: string; identity: string; session: { id: string } };
type SessionEvent = { type: string; targetId: string | null; data: { role?: unknown }; createdAt: string };

/** The audit events of stage role changes, each with the new role in data.role. */
const ROLE_EVENTS = new Set([
  'live.stage.request.approved',
  'live.stage.invite.accepted',
  'live.participant.role.changed',
  'live.stage.left',
]);

describe('getSessionStats on a scripted session (webhooks with known times, rtc-node viewers, stage, chat, reactions)', () => {
  let stack: TestStack;
  let api: ContractClient;
  const realtime = new RealtimeClients();
  const media: MediaParticipant[] = [];
  before(async () => {
    // No reconciler: the scripted participants are not in the LiveKit room, and it would rightly close them.
    stack = await TestStack.start({ reconciler: false, env: { REACTION_FLUSH_MS: '100' } });
    api = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  after(async () => {
    realtime.closeAll();
    await Promise.allSettled(media.map((m) => m.disconnect()));
    await stack?.stop();
    await disposeMediaRuntime();
  });

  it('equals the truth live and after the end, for the host, co-hosts and admins only', async () => {
    const hostId = uniqueUser('host');
    const hostToken = await userToken(hostId);
    const created = await api.call<Grant>('POST', '/v1/sessions', {
      token: hostToken,
      json: { title: 'Scripted stats', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(created.status, 201, created.text);
    const sessionId = created.body.session.id;
    // The session started ten minutes ago, to the millisecond, so the scripted past fits in it.
    const t0 = Date.now() - 600_000;
    await stack.services.db
      .updateTable('sessions')
      .set({ started_at: new Date(t0) })
      .where('id', '=', sessionId)
      .execute();

    // Who is who: b, c (the future guest) and the host also chat; r1 and r2 connect for real.
    const ids = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'r1', 'r2'].map((k) => [k, uniqueUser(k)])) as Record<
      string,
      string
    >;
    const id = (k: string) => ids[k] ?? k;
    // A leave is stamped to LiveKit's second; golive places one that arrives late at the end of it.
    const leaveAt = (offsetMs: number) => Math.floor((t0 + offsetMs) / 1000);
    const scripted: Connection[] = [
      connection({ identity: hostId, role: 'host', joinedAtMs: t0 + 500 }),
      connection({ identity: id('a'), role: 'viewer', joinedAtMs: t0 + 10_200, leftAtSec: leaveAt(130_000) }),
      connection({ identity: id('a'), role: 'viewer', joinedAtMs: t0 + 200_400, leftAtSec: leaveAt(220_000) }),
      // A reconnect: LiveKit ends the old connection as the new one joins, and its leave is stamped
      // to the end of that second, so for under a second a has two connections.
      connection({ identity: id('a'), role: 'viewer', joinedAtMs: t0 + 220_000, leftAtSec: leaveAt(260_000) }),
      connection({ identity: id('b'), role: 'viewer', joinedAtMs: t0 + 15_000 }),
      connection({ identity: 'admin-x', role: 'observer', hidden: true, joinedAtMs: t0 + 30_000, leftAtSec: leaveAt(90_000) }),
      connection({ identity: 'flaky', role: 'viewer', joinedAtMs: null, leftAtSec: leaveAt(40_000) }), // aborted: never joined
      connection({ identity: id('c'), role: 'viewer', joinedAtMs: t0 + 300_700 }),
      connection({ identity: id('d'), role: 'viewer', joinedAtMs: t0 + 400_000, leftAtSec: leaveAt(405_000) }),
      connection({ identity: id('e'), role: 'viewer', joinedAtMs: t0 + 500_100, leftAtSec: leaveAt(503_000) }),
    ];
    const edges = scripted.flatMap((c) => [
      ...(c.joinedAtMs === null ? [] : [{ at: c.joinedAtMs, event: joinedEvent(sessionId, c) }]),
      ...(c.leftAtSec === null ? [] : [{ at: c.leftAtSec * 1000, event: leftEvent(sessionId, c) }]),
    ]);
    for (const { event } of edges.sort((x, y) => x.at - y.at)) assert.equal((await deliver(stack, event)).status, 200);

    // Real viewers through livekit-server: their join and leave reach golive as LiveKit's webhooks.
    for (const k of ['r1', 'r2']) {
      const grant = await api.call<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(id(k)) });
      media.push(await connectParticipant(grant.body.livekitUrl, grant.body.token, { autoSubscribe: false }));
    }
    const ledger = async (identity: string) =>
      stack.services.db
        .selectFrom('participant_connections')
        .select(['joined_at', 'left_at', 'role'])
        .where('session_id', '=', sessionId)
        .where('identity', '=', identity)
        .execute();
    await eventually(async () => (await ledger(id('r1'))).length === 1 && (await ledger(id('r2'))).length === 1, {
      what: 'the rtc-node joins to reach golive',
    });
    const listed = await stack.services.livekit.listParticipants(sessionId);
    for (const k of ['r1', 'r2']) {
      const joinedMs = Number(listed.find((p) => p.identity === id(k))?.joinedAtMs);
      const [row] = await ledger(id(k));
      assert.equal(new Date(row?.joined_at ?? 0).getTime(), joinedMs, `${k} joined when LiveKit says`);
      assert.equal(row?.role, 'viewer');
    }

    // Stage: c asks and is approved; f asks and is rejected; g is invited and declines; h becomes a co-host.
    const as = async (k: string) => ({ token: await userToken(id(k)) });
    const host = { token: hostToken };
    const askC = await api.call<{ id: string }>('POST', `/v1/sessions/${sessionId}/stage/requests`, await as('c'));
    assert.equal((await api.call('POST', `/v1/sessions/${sessionId}/stage/requests/${askC.body.id}/approve`, host)).status, 200);
    const askF = await api.call<{ id: string }>('POST', `/v1/sessions/${sessionId}/stage/requests`, await as('f'));
    assert.equal((await api.call('POST', `/v1/sessions/${sessionId}/stage/requests/${askF.body.id}/reject`, host)).status, 200);
    const invite = await api.call<{ id: string }>('POST', `/v1/sessions/${sessionId}/stage/invites`, {
      ...host,
      json: { userId: id('g') },
    });
    assert.equal((await api.call('POST', `/v1/sessions/${sessionId}/stage/invites/${invite.body.id}/decline`, await as('g'))).status, 200);
    const promote = await api.call('PUT', `/v1/sessions/${sessionId}/participants/${id('h')}/role`, { ...host, json: { role: 'cohost' } });
    assert.equal(promote.status, 200, promote.text);

    // Chat (b twice, c once, the host once) and reactions (b ❤️ ×3, c 🔥 ×2), over realtime.
    const subscribe = async (userId: string) => (await realtime.connect(stack, userId)).subscribe(sessionId);
    const [chatB, chatC, chatHost] = [await subscribe(id('b')), await subscribe(id('c')), await subscribe(hostId)];
    const sent = [await chatB.send('hello'), await chatC.send('on stage!'), await chatB.send('nice'), await chatHost.send('welcome')];
    const tapsFrom = Date.now();
    for (let i = 0; i < 3; i++) await chatB.react('❤️');
    for (let i = 0; i < 2; i++) await chatC.react('🔥');
    const tapsUntil = Date.now();
    await eventually(async () => Number((await stack.services.reactions.totals(sessionId))['❤️'] ?? 0) === 3, { what: 'reactions flushed' });
    await eventually(async () => Number((await stack.services.reactions.totals(sessionId))['🔥'] ?? 0) === 2, {
      what: 'reactions flushed',
    });

    // Telemetry: r1 watches (two reports), c publishes (one).
    const reports = [
      {
        k: 'r1',
        body: {
          direction: 'receive',
          intervalMs: 10_000,
          bytes: 1_250_000,
          packets: 1_100,
          packetsLost: 11,
          framesDecoded: 290,
          framesDropped: 10,
          freezes: 1,
          freezeMs: 400,
          timeToFirstFrameMs: 820,
          connectAttempts: 1,
          connectFailures: 0,
        },
      },
      {
        k: 'r1',
        body: {
          direction: 'receive',
          intervalMs: 10_000,
          bytes: 1_000_000,
          packets: 900,
          packetsLost: 0,
          framesDecoded: 300,
          framesDropped: 0,
        },
      },
      {
        k: 'c',
        body: {
          direction: 'send',
          intervalMs: 5_000,
          bytes: 800_000,
          packets: 700,
          packetsLost: 7,
          connectAttempts: 2,
          connectFailures: 1,
        },
      },
    ];
    for (const r of reports) {
      const res = await api.call('POST', `/v1/sessions/${sessionId}/telemetry`, { ...(await as(r.k)), json: r.body });
      assert.equal(res.status, 204, res.text);
    }

    // c steps down; r1 leaves for real.
    assert.equal((await api.call('POST', `/v1/sessions/${sessionId}/stage/leave`, await as('c'))).status, 204);
    const leavingAt = Date.now();
    await media[0]?.disconnect();
    await eventually(async () => (await ledger(id('r1')))[0]?.left_at, { what: 'r1 leave to reach golive' });
    const r1Left = new Date((await ledger(id('r1')))[0]?.left_at ?? 0).getTime();
    assert.ok(r1Left >= leavingAt - 1_000 && r1Left <= Date.now(), 'the leave is stamped when it happened');

    /** The truth from what the test did: scripted times, rtc-node times as LiveKit reported them, role changes as audited. */
    const truthAsOf = async (endMs: number) => {
      const timeline: TimelineConnection[] = scripted
        .filter((c) => c.joinedAtMs !== null)
        .map((c) => ({
          identity: c.identity,
          role: c.role ?? 'unknown',
          hidden: c.hidden,
          joinedMs: c.joinedAtMs ?? 0,
          leftMs: c.leftAtSec === null ? null : c.leftAtSec * 1000 + 999,
        }));
      for (const k of ['r1', 'r2']) {
        for (const row of await ledger(id(k))) {
          const leftMs = row.left_at ? new Date(row.left_at).getTime() : null;
          timeline.push({ identity: id(k), role: 'viewer', joinedMs: new Date(row.joined_at ?? 0).getTime(), leftMs });
        }
      }
      const events = await api.call<{ events: SessionEvent[] }>('GET', `/v1/sessions/${sessionId}/events?limit=500`, host);
      const changes: TimelineRoleChange[] = events.body.events
        .filter((e) => ROLE_EVENTS.has(e.type) && typeof e.data.role === 'string' && e.targetId)
        .map((e) => ({ identity: e.targetId ?? '', role: String(e.data.role), atMs: Date.parse(e.createdAt) }));
      assert.deepEqual(
        changes.map((c) => [c.identity, c.role]),
        [
          [id('c'), 'guest'],
          [id('h'), 'cohost'],
          [id('c'), 'viewer'],
        ],
      );
      const window = { startMs: t0, endMs };
      const stage = changes.filter((c) => c.identity === id('c'));
      return {
        ...viewerTruth(timeline, changes, window),
        stageTimeSec: ((stage[1]?.atMs ?? 0) - (stage[0]?.atMs ?? 0)) / 1000,
      };
    };
    const bucketOf = (iso: string) => Math.floor((Date.parse(iso) - t0) / 10_000);

    const check = async (stats: SessionStats, endMs: number, label: string) => {
      const truth = await truthAsOf(endMs);
      assert.deepEqual(
        {
          peakViewers: stats.peakViewers,
          averageViewers: stats.averageViewers,
          uniqueViewers: stats.uniqueViewers,
          watchTimeSec: stats.watchTimeSec,
          retention: stats.retention,
          chat: stats.chat,
          reactions: stats.reactions,
          stage: stats.stage,
        },
        {
          peakViewers: truth.peakViewers,
          averageViewers: truth.averageViewers,
          uniqueViewers: 7, // a (three connections, two of them overlapping), b, c (before and after the stage), d, e, r1, r2
          watchTimeSec: truth.watchTimeSec,
          retention: truth.retention,
          chat: { messages: 4, chatters: 3 },
          reactions: { '❤️': 3, '🔥': 2 },
          stage: {
            guests: 1,
            stageTimeSec: truth.stageTimeSec,
            requests: 2,
            approved: 1,
            approvalRate: 0.5,
            invites: 1,
            invitesAccepted: 0,
          },
        },
        label,
      );
      assert.equal(truth.uniqueViewers, 7);
      assert.equal(truth.stage.guests, 1);
      assert.equal(truth.stage.stageTimeSec, truth.stageTimeSec, 'c was connected for all of their stage time');
      assert.ok(truth.peakViewers >= 4 && truth.averageViewers > 0, `${label}: a session worth measuring`);
      // Activity: each message in the bucket of its createdAt; the taps in the bucket they were sent in.
      const chatPerBucket = new Map<number, number>();
      for (const m of sent) chatPerBucket.set(bucketOf(m.createdAt), (chatPerBucket.get(bucketOf(m.createdAt)) ?? 0) + 1);
      assert.equal(stats.activity.length, stats.retention.length);
      for (const [i, bucket] of stats.activity.entries()) {
        assert.equal(bucket.at, stats.retention[i]?.at);
        assert.equal(bucket.chatMessages, chatPerBucket.get(i) ?? 0, `${label}: chat in bucket ${i}`);
      }
      const tapBuckets = new Set([bucketOf(new Date(tapsFrom).toISOString()), bucketOf(new Date(tapsUntil).toISOString())]);
      const withTaps = stats.activity.flatMap((b, i) => (b.reactions > 0 ? [i] : []));
      assert.ok(
        withTaps.every((i) => tapBuckets.has(i)),
        `${label}: taps in bucket(s) ${withTaps.join(',')} of ${[...tapBuckets]}`,
      );
      assert.equal(
        stats.activity.reduce((sum, b) => sum + b.reactions, 0),
        5,
      );
      assert.equal(
        stats.topMoments.reduce((sum, m) => sum + m.reactions, 0),
        5,
      );
      if (tapBuckets.size === 1)
        assert.deepEqual(stats.topMoments, [
          { at: stats.activity[[...tapBuckets][0] ?? 0]?.at, reactions: 5, byEmoji: { '❤️': 3, '🔥': 2 } },
        ]);
      // Telemetry, summed by hand from the three reports.
      assert.deepEqual(stats.media, {
        clients: 2,
        reports: 3,
        connectionSuccessRate: Math.round((1 - 1 / 3) * 10_000) / 10_000,
        droppedFrameRatio: Math.round((10 / 600) * 10_000) / 10_000,
        packetLossRatio: Math.round((11 / 2_011) * 10_000) / 10_000,
        freezes: 1,
        freezeSec: 0.4,
        averageTimeToFirstFrameMs: 820,
        receiveKbps: Math.round(((2_250_000 * 8) / 20_000) * 100) / 100,
        sendKbps: Math.round(((800_000 * 8) / 5_000) * 100) / 100,
        bandwidthKbps: Math.round(((2_250_000 * 8) / (endMs - t0)) * 100) / 100,
        bytesReceived: 2_250_000,
        bytesSent: 800_000,
      });
    };

    // Live: the figures run to asOf, the moment they were computed.
    const live = await api.call<SessionStats>('GET', `/v1/sessions/${sessionId}/stats`, host);
    assert.equal(live.status, 200, live.text);
    assert.equal(live.body.status, 'live');
    assert.equal(live.body.endedAt, null);
    assert.equal(live.body.startedAt, new Date(t0).toISOString());
    await check(live.body, Date.parse(live.body.asOf), 'live');

    // Who may read them: the host, co-hosts, admins and the app's key; not viewers or guests.
    const statuses: Record<string, number> = {};
    for (const [who, caller] of Object.entries({
      cohost: await as('h'),
      admin: { token: await userToken(uniqueUser('admin'), { admin: true }) },
      service: { apiKey: TEST_API_KEY },
      viewer: await as('b'),
      anonymous: {},
    })) {
      statuses[who] = (await api.call('GET', `/v1/sessions/${sessionId}/stats`, caller)).status;
    }
    assert.deepEqual(statuses, { cohost: 200, admin: 200, service: 200, viewer: 403, anonymous: 401 });

    // After the end: kept, with the window closed at endedAt (open connections closed then).
    const ended = await api.call<{ endedAt: string; peakViewers: number }>('POST', `/v1/sessions/${sessionId}/end`, host);
    assert.equal(ended.status, 200, ended.text);
    const final = await api.call<SessionStats>('GET', `/v1/sessions/${sessionId}/stats`, host);
    assert.equal(final.status, 200, final.text);
    assert.equal(final.body.status, 'ended');
    assert.equal(final.body.endedAt, ended.body.endedAt);
    assert.equal(final.body.asOf, ended.body.endedAt);
    await check(final.body, Date.parse(ended.body.endedAt), 'ended');
    assert.equal(final.body.peakViewers, ended.body.peakViewers, "the session's own peak agrees");
    assert.equal(final.body.retention.length, Math.ceil((Date.parse(ended.body.endedAt) - t0) / 10_000));
    // The rtc-node viewer still connected was disconnected by the end; nothing changes afterwards.
    await media[1]?.disconnected;
    const again = await api.call<SessionStats>('GET', `/v1/sessions/${sessionId}/stats`, host);
    assert.deepEqual(again.body, final.body, 'an ended session reads the same every time');
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from participant_role_changes where session_id = ${sessionId}`.execute(stack.services.db);
    assert.equal(rows[0]?.n, 2, "c's connection was re-labelled twice; h was never connected");
  });
});
