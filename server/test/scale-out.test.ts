// The production configuration on one machine: two livekit-server nodes sharing Redis (LiveKit's
// multi-node routing) behind one address, and two golive instances (GOLIVE_MODE=production, child
// processes) sharing PostgreSQL and Redis behind another, which is where both nodes post their
// webhooks. Users carry HS256 JWTs minted the way an app mints them. A host on golive A and node 1
// and a viewer on golive B and node 2 exchange media, chat and counts; then golive A is killed,
// then the LiveKit node hosting the room: each time the rest carries on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '@golive/sdk/protocol';
import { RoomEvent } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import pg from 'pg';
import type { SessionSubscription } from '../../sdk/src/realtime/realtime-client.ts';
import { createLogger } from '../src/logger.ts';
import { exitWithin, type Golive, startGolive, waitReady } from './golive-process.ts';
import { createTestDatabase, eventually, type ReservedPort, reserveTcpPort, TEST_JWT_SECRET, uniqueUser, userToken } from './harness.ts';
import { LivekitCluster } from './livekit-cluster.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  waitForDecodedFrames,
  waitForFramesAfter,
} from './media.ts';
import { RealtimeClients } from './realtime-clients.ts';
import { TcpBalancer } from './tcp-balancer.ts';

const REDIS_URL = process.env.GOLIVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

type Grant = { token: string; livekitUrl: string; identity: string; session: { id: string } };
type SessionView = { id: string; status: string; viewerCount: number };

describe('scale-out: two golive instances and two LiveKit nodes in production mode', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: pg.Client;
  let cluster: LivekitCluster;
  let goliveFront: TcpBalancer;
  let dataDir: string;
  const ports: number[] = [];
  /** Golive's ports, held until each instance starts: the front and both nodes' webhook URL name them before that. */
  const reserved: ReservedPort[] = [];
  const instances: Golive[] = [];
  const media: MediaParticipant[] = [];
  const realtime = new RealtimeClients();
  let video: SyntheticVideo | undefined;

  // State carried from one step to the next (the steps are one story, in order).
  const hostId = uniqueUser('host');
  const viewerId = uniqueUser('viewer');
  let sessionId = '';
  let host: MediaParticipant;
  const viewers: MediaParticipant[] = [];
  let viewerChat: SessionSubscription;

  const base = (i: number) => `http://127.0.0.1:${ports[i]}`;

  before(async () => {
    database = await createTestDatabase();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    reserved.push(await reserveTcpPort(), await reserveTcpPort());
    ports.push(...reserved.map((r) => r.port));
    goliveFront = await TcpBalancer.start(ports);
    cluster = await LivekitCluster.start({
      nodes: 2,
      webhookUrl: `http://127.0.0.1:${goliveFront.port}/v1/livekit/webhook`,
      logger: createLogger(process.env.GOLIVE_TEST_LOG_LEVEL ?? 'warn'),
    });
    dataDir = mkdtempSync(join(tmpdir(), 'golive-scale-'));
    // One after the other: the first runs the migrations.
    for (const [i, port] of ports.entries()) {
      await reserved[i]?.release();
      const golive = startGolive({
        GOLIVE_MODE: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        GOLIVE_DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        REDIS_URL,
        LIVEKIT_URL: cluster.apiUrl,
        LIVEKIT_API_KEY: cluster.apiKey,
        LIVEKIT_API_SECRET: cluster.apiSecret,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'info',
      });
      instances.push(golive);
      await waitReady(golive, `http://127.0.0.1:${port}`);
    }
  });

  after(async () => {
    realtime.closeAll();
    await video?.stop();
    await disposeMediaRuntime(media);
    for (const g of instances) if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGTERM');
    await Promise.all(instances.map((g) => exitWithin(g, 15_000).catch(() => g.child.kill('SIGKILL'))));
    for (const r of reserved) await r.release();
    await goliveFront?.stop();
    await cluster?.stop();
    await db?.end();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async <T>(i: number, method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base(i)}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  /** A LiveKit connection opened while the front sends new connections to node `node` (0-based). */
  const connectThrough = async (node: number | null, grant: Grant) => {
    cluster.front.prefer(node);
    const before = node === null ? 0 : cluster.front.opened(node);
    try {
      const participant = await connectParticipant(grant.livekitUrl, grant.token);
      media.push(participant);
      if (node !== null) assert.ok(cluster.front.opened(node) > before, `the connection went to node ${node + 1}`);
      return participant;
    } finally {
      cluster.front.prefer(null);
    }
  };

  const joinOn = async (i: number, userId: string) => {
    const res = await call<Grant>(i, 'POST', `/v1/sessions/${sessionId}/join`, await userToken(userId));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  /** Collects what a subscription receives from now on. */
  const record = (sub: SessionSubscription) => {
    const messages: ChatMessage[] = [];
    const counts: number[] = [];
    sub.on('message', (m) => messages.push(m));
    sub.on('counters', (c) => counts.push(c.viewerCount));
    return { messages, counts };
  };

  it('a host on golive A and node 1, a viewer on golive B and node 2: media, chat and counts', async (t) => {
    const created = await call<Grant>(0, 'POST', '/v1/sessions', await userToken(hostId), {
      title: 'Scale-out',
      mode: 'broadcast',
      visibility: 'public',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sessionId = created.body.session.id;
    assert.equal(created.body.livekitUrl, cluster.clientUrl, 'clients are sent to the front, not to a node');

    host = await connectThrough(0, created.body);
    video = await publishSyntheticVideo(host.room, { width: 320, height: 180, fps: 15 });
    const viewer = await connectThrough(1, await joinOn(1, viewerId));
    viewers.push(viewer);
    const frames = await waitForDecodedFrames(viewer.room, { fromIdentity: hostId, count: 5, timeoutMs: 15_000 });
    assert.equal(frames.frames.length, 5);
    const roomNode = await cluster.roomNode(sessionId);
    assert.ok(roomNode !== null, 'LiveKit assigned the room to a node');
    t.diagnostic(`the room is on node ${roomNode + 1} (the host signals through node 1, the viewer through node 2)`);

    const hostChat = await (await realtime.connect(base(0), hostId)).subscribe(sessionId);
    viewerChat = await (await realtime.connect(base(1), viewerId)).subscribe(sessionId);
    const onA = record(hostChat);
    const onB = record(viewerChat);
    await hostChat.send('hello from A');
    await viewerChat.send('hello from B');
    await eventually(() => onA.messages.length === 2 && onB.messages.length === 2, { what: 'both messages on both instances' });
    assert.deepEqual(
      onB.messages.map((m) => m.text),
      onA.messages.map((m) => m.text),
    );
    // The viewer was counted from node webhooks that reached golive through its front.
    await eventually(() => viewerChat.counters.viewerCount === 1 && hostChat.counters.viewerCount === 1, {
      timeoutMs: 15_000,
      what: 'viewer count 1 on both instances',
    });
  });

  it('kill -9 of golive A: B carries on with chat, counts and new joins', async (t) => {
    assert.ok(sessionId, 'the first step created the session');
    const a = instances[0];
    assert.ok(a);
    const killedAt = performance.now();
    a.child.kill('SIGKILL');
    await exitWithin(a, 10_000);
    const since = () => Math.round(performance.now() - killedAt);

    // Chat on B: the viewer's message reaches another client on B, and the host, back on B.
    const second = uniqueUser('viewer');
    const secondChat = await (await realtime.connect(base(1), second)).subscribe(sessionId);
    const hostChat = await (await realtime.connect(base(1), hostId)).subscribe(sessionId);
    const onSecond = record(secondChat);
    const onViewer = record(viewerChat);
    await viewerChat.send('after A died');
    await hostChat.send('host, now on B');
    await eventually(() => onSecond.messages.length === 2 && onViewer.messages.length === 2, { what: 'chat on B' });
    t.diagnostic(`chat on B delivered ${since()} ms after kill -9 of A`);

    // A new join on B watches, and is counted (its webhook reaches B through the front) and pushed.
    const late = await connectThrough(null, await joinOn(1, second));
    viewers.push(late);
    await waitForDecodedFrames(late.room, { fromIdentity: hostId, count: 5, timeoutMs: 15_000 });
    t.diagnostic(`a new viewer joined on B and decoded frames ${since()} ms after the kill`);
    await eventually(() => onViewer.counts.includes(2) && secondChat.counters.viewerCount === 2, {
      timeoutMs: 15_000,
      what: 'viewer count 2 pushed to clients on B',
    });
    t.diagnostic(`viewer count 2 pushed on B ${since()} ms after the kill`);
    const view = await call<SessionView>(1, 'GET', `/v1/sessions/${sessionId}`, await userToken(second));
    assert.equal(view.body.viewerCount, 2);

    // B's worker role holds the reconciler lease (taken over once A's expired, if A had it).
    const b = `:${instances[1]?.child.pid}:`;
    await eventually(
      async () => {
        const lease = await db.query<{ holder: string }>(
          "select holder from worker_leases where name = 'reconciler' and expires_at > now()",
        );
        return lease.rows[0]?.holder.includes(b);
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'golive B to hold the reconciler lease' },
    );
    t.diagnostic(`B holds the reconciler lease ${since()} ms after the kill`);
  });

  it("kill -9 of the room's LiveKit node: the session stays live, media comes back through the other node", async (t) => {
    assert.equal(viewers.length, 2, 'the earlier steps connected two viewers');
    const roomNode = await cluster.roomNode(sessionId);
    assert.ok(roomNode !== null && video);
    const other = 1 - roomNode;
    const lastStamp = video.framesSent();
    const killedAt = performance.now();
    // What the clients went through, for the report.
    const timeline: string[] = [];
    for (const [name, p] of [['host', host], ...viewers.map((v, i) => [`viewer ${i + 1}`, v] as const)] as const) {
      for (const event of [RoomEvent.Reconnecting, RoomEvent.Reconnected, RoomEvent.Disconnected]) {
        p.room.on(event, () => timeline.push(`${name} ${event} +${Math.round(performance.now() - killedAt)} ms`));
      }
    }
    const pushed = record(viewerChat).counts;
    cluster.kill(roomNode);

    const back = await Promise.all(
      viewers.map(async (v) => {
        await waitForFramesAfter(v.room, hostId, lastStamp, 60_000);
        return Math.round(performance.now() - killedAt);
      }),
    );
    t.diagnostic(`node ${roomNode + 1} killed; both viewers decode new frames from the host after ${back.join(' and ')} ms`);
    t.diagnostic(`clients: ${timeline.join(', ')}`);
    assert.equal(await cluster.roomNode(sessionId), other, `the room now runs on node ${other + 1}`);

    const token = await userToken(viewerId);
    const view = await call<SessionView>(1, 'GET', `/v1/sessions/${sessionId}`, token);
    assert.equal(view.body.status, 'live', 'the session was never ended');

    // A join after the node loss lands on the surviving node and watches.
    const third = uniqueUser('viewer');
    const newcomer = await connectThrough(null, await joinOn(1, third));
    await waitForDecodedFrames(newcomer.room, { fromIdentity: hostId, count: 5, timeoutMs: 15_000 });

    // Counts exact again: the open connection rows are exactly LiveKit's participants.
    const rooms = new RoomServiceClient(cluster.apiUrl, cluster.apiKey, cluster.apiSecret);
    await eventually(
      async () => {
        const inLivekit = (await rooms.listParticipants(sessionId)).map((p) => p.sid).sort();
        const open = (
          await db.query<{ participant_sid: string }>(
            'select participant_sid from participant_connections where session_id = $1 and joined_at is not null and left_at is null',
            [sessionId],
          )
        ).rows
          .map((r) => r.participant_sid)
          .sort();
        const counted = (await call<SessionView>(1, 'GET', `/v1/sessions/${sessionId}`, token)).body.viewerCount;
        return inLivekit.length === 4 && JSON.stringify(open) === JSON.stringify(inLivekit) && counted === 3;
      },
      { timeoutMs: 45_000, intervalMs: 500, what: 'the connection rows to match LiveKit and the count to be 3' },
    );
    t.diagnostic(
      `counts exact (3 viewers, rows = LiveKit's list) ${Math.round(performance.now() - killedAt)} ms after the node was killed`,
    );
    t.diagnostic(`viewer counts pushed on B meanwhile: ${pushed.join(', ')}`);
    // Each viewer's rejoin ended its connection in the lost room at once (one connection per
    // identity), so no push ever counted a viewer twice.
    assert.ok(Math.max(...pushed) <= 3, `no viewer counted twice: ${pushed.join(', ')}`);
    const events = await db.query<{ type: string }>('select type from session_events where session_id = $1 order by id', [sessionId]);
    const types = events.rows.map((e) => e.type);
    assert.ok(!types.includes('live.session.ended'));
    t.diagnostic(`audit log around the outage: ${types.filter((x) => x.startsWith('live.session.')).join(', ')}`);
  });
});
