import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../src/adapters/database.ts';
import { LocalLivekitServer } from '../src/adapters/livekit-process.ts';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config/config.ts';
import type { Database } from '../src/db/schema.ts';
import { createLogger } from '../src/logger.ts';
import { createServices, type Services } from '../src/services.ts';
import {
  createTestDatabase,
  eventually,
  livekitBinary,
  type ReservedPort,
  reserveTcpPort,
  TEST_API_KEY,
  TEST_JWT_SECRET,
  uniqueUser,
  userToken,
} from './harness.ts';

type Grant = { token: string; role: string; session: { id: string; status: string } };
type Session = {
  id: string;
  status: string;
  host: { id: string };
  externalRef: string | null;
  endedBy: string | null;
  endReason: string | null;
};

/** Tables and columns (with types and nullability) of the public schema: what the migrations built. */
async function schemaOf(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ c: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as c
    from information_schema.columns where table_schema = 'public' order by 1`.execute(db);
  return rows.map((r) => r.c);
}

async function migrationsOf(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

/** golive on PGlite (no DATABASE_URL) with an external, real livekit-server. */
class PgliteGolive {
  readonly config: Config;
  readonly services: Services;
  readonly app: FastifyInstance;
  readonly baseUrl: string;

  private constructor(config: Config, services: Services, app: FastifyInstance) {
    this.config = config;
    this.services = services;
    this.app = app;
    this.baseUrl = `http://127.0.0.1:${config.port}`;
  }

  /** Listens on `reserved`'s port, releasing the reservation only right before. */
  static async start(dataDir: string, reserved: ReservedPort, livekit: LocalLivekitServer): Promise<PgliteGolive> {
    const { port } = reserved;
    const { apiUrl, clientUrl, apiKey, apiSecret } = livekit.endpoint;
    const config = loadConfig({
      GOLIVE_MODE: 'dev',
      GOLIVE_DATA_DIR: dataDir,
      PORT: String(port),
      LIVEKIT_URL: apiUrl,
      LIVEKIT_CLIENT_URL: clientUrl,
      LIVEKIT_API_KEY: apiKey,
      LIVEKIT_API_SECRET: apiSecret,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      GOLIVE_API_KEYS: TEST_API_KEY,
      SESSION_START_COOLDOWN_SEC: '0',
    });
    const logger = createLogger('warn');
    const services = await createServices(config, logger);
    const app = await buildApp({ config, services, logger });
    await reserved.release();
    await app.listen({ host: '127.0.0.1', port });
    return new PgliteGolive(config, services, app);
  }

  async request<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.services.close();
  }
}

describe('golive on PGlite with a real livekit-server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'golive-pglite-smoke-'));
  let livekit: LocalLivekitServer;
  let reserved: ReservedPort | undefined;
  let golive: PgliteGolive | null = null;
  const hostId = uniqueUser('host');
  let sessionId = '';

  before(async () => {
    // golive's port is in livekit-server's webhook URL long before golive listens on it.
    reserved = await reserveTcpPort();
    livekit = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: `http://127.0.0.1:${reserved.port}/v1/livekit/webhook`,
      logger: createLogger('warn'),
    });
    await livekit.start();
    golive = await PgliteGolive.start(dataDir, reserved, livekit);
  });
  after(async () => {
    await reserved?.release();
    await golive?.stop();
    await livekit?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses PGlite in the data dir when DATABASE_URL is absent', () => {
    assert.deepEqual(golive?.config.database, { kind: 'pglite', dataDir: join(dataDir, 'pglite') });
  });

  // One PGlite for the whole file: creating one is seconds of WASM initdb.
  it('ran the same migrations as PostgreSQL, building the same tables and columns', async () => {
    assert.ok(golive);
    const pglite = golive.services.db;
    const postgres = await createTestDatabase();
    const { db: pgDb } = await openDatabase({ kind: 'postgres', url: postgres.url, poolSize: 2 });
    try {
      await migrateToLatest(pgDb);
      const applied = await migrationsOf(pglite);
      assert.ok(applied.length >= 1);
      assert.deepEqual(applied, await migrationsOf(pgDb));
      const pgliteSchema = await schemaOf(pglite);
      assert.ok(pgliteSchema.some((c) => c.startsWith('sessions.id ')));
      assert.deepEqual(pgliteSchema, await schemaOf(pgDb));
      // Running them again is a no-op.
      await migrateToLatest(pglite);
      assert.deepEqual(await migrationsOf(pglite), applied);
    } finally {
      await pgDb.destroy();
      await postgres.drop();
    }
  });

  it('creates, joins, gets, lists and ends a session, and records its events', async () => {
    assert.ok(golive);
    const host = await userToken(hostId);
    const created = await golive.request<Grant>('POST', '/v1/sessions', host, {
      title: 'PGlite smoke',
      mode: 'broadcast',
      visibility: 'public',
      externalRef: 'task_pglite',
      tags: ['smoke'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sessionId = created.body.session.id;
    assert.equal((await golive.services.livekit.listRooms([sessionId])).length, 1, 'the room exists');

    const viewer = uniqueUser('viewer');
    const joined = await golive.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, await userToken(viewer));
    assert.equal(joined.status, 200);
    assert.equal(joined.body.role, 'viewer');

    const got = await golive.request<Session>('GET', `/v1/sessions/${sessionId}`, await userToken(viewer));
    assert.equal(got.status, 200);
    assert.equal(got.body.status, 'live');
    assert.equal(got.body.host.id, hostId);
    assert.equal(got.body.externalRef, 'task_pglite');

    const listed = await golive.request<{ sessions: Session[] }>('GET', '/v1/sessions?status=live&tag=smoke', await userToken(viewer));
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.sessions.map((s) => s.id),
      [sessionId],
    );

    const second = await golive.request<{ code: string }>('POST', '/v1/sessions', host, {
      title: 'Second',
      mode: 'broadcast',
      visibility: 'public',
    });
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'HOST_ALREADY_LIVE', 'the one-live-session rule holds on PGlite too');

    // Telemetry and the analytics queries (window functions, generate_series) on PGlite.
    const report = {
      direction: 'receive',
      intervalMs: 10_000,
      bytes: 10_000,
      packets: 20,
      packetsLost: 1,
      framesDecoded: 99,
      framesDropped: 1,
    };
    assert.equal((await golive.request('POST', `/v1/sessions/${sessionId}/telemetry`, await userToken(viewer), report)).status, 204);
    const stats = await golive.request<{
      media: { reports: number; droppedFrameRatio: number };
      retention: unknown[];
      peakViewers: number;
    }>('GET', `/v1/sessions/${sessionId}/stats`, host);
    assert.equal(stats.status, 200, JSON.stringify(stats.body));
    assert.deepEqual([stats.body.media.reports, stats.body.media.droppedFrameRatio], [1, 0.01]);
    assert.ok(stats.body.retention.length >= 1);

    const ended = await golive.request<Session>('POST', `/v1/sessions/${sessionId}/end`, host, { reason: 'smoke done' });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    await eventually(async () => (await golive?.services.livekit.listRooms([sessionId]))?.length === 0, { what: 'the room to be deleted' });
    const gone = await golive.request<{ code: string }>('POST', `/v1/sessions/${sessionId}/join`, await userToken(viewer));
    assert.equal(gone.status, 410);
    assert.equal(gone.body.code, 'SESSION_ENDED');

    const events = await golive.request<{ events: Array<{ type: string; actorId: string | null }> }>(
      'GET',
      `/v1/sessions/${sessionId}/events`,
      host,
    );
    assert.equal(events.status, 200);
    const types = events.body.events.map((e) => e.type);
    assert.equal(types[0], 'live.session.started');
    assert.ok(types.includes('live.session.ended'), JSON.stringify(types));
    assert.equal(events.body.events.find((e) => e.type === 'live.session.ended')?.actorId, hostId);
  });

  it('keeps sessions in the data dir across a restart', async () => {
    assert.ok(golive && sessionId && reserved);
    await golive.stop();
    golive = null;
    // The same port (livekit-server's webhook URL); its reservation was released at the first start.
    golive = await PgliteGolive.start(dataDir, reserved, livekit);
    const got = await golive.request<Session>('GET', `/v1/sessions/${sessionId}`, await userToken(hostId));
    assert.equal(got.status, 200);
    assert.equal(got.body.status, 'ended');
    assert.equal(got.body.endedBy, hostId);
    assert.equal(got.body.endReason, 'smoke done');
    const byRef = await golive.request<Session>('GET', '/v1/sessions/by-external-ref/task_pglite', await userToken(hostId));
    assert.equal(byRef.body.id, sessionId);
    const platform = await golive.request<{ sessionsStarted: number; sessionsEnded: number }>(
      'GET',
      '/v1/admin/stats',
      await userToken(uniqueUser('admin'), { admin: true }),
    );
    assert.equal(platform.status, 200, JSON.stringify(platform.body));
    assert.deepEqual([platform.body.sessionsStarted, platform.body.sessionsEnded], [1, 1]);
    // The restarted instance writes too.
    const again = await golive.request<Grant>('POST', '/v1/sessions', await userToken(hostId), {
      title: 'After restart',
      mode: 'broadcast',
      visibility: 'public',
    });
    assert.equal(again.status, 201);
  });
});
