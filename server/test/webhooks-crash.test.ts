// kill -9 of golive while webhook deliveries are pending and the receiver is down: after both come
// back, every event arrives, each once, in sequence per session. golive runs as a child process
// with its endpoint from GOLIVE_WEBHOOK_URL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freeTcpPort, LocalLivekitServer } from '../src/adapters/livekit-process.ts';
import { createLogger } from '../src/logger.ts';
import { exitWithin, type Golive, startGolive, waitReady } from './golive-process.ts';
import { createTestDatabase, eventually, livekitBinary, TEST_API_KEY, TEST_JWT_SECRET, uniqueUser, userToken } from './harness.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;

describe('kill -9 of golive with webhook deliveries pending and the receiver down', () => {
  let livekit: LocalLivekitServer;
  let database: { url: string; drop: () => Promise<void> };
  let db: pg.Client;
  let receiver: WebhookReceiver;
  let port: number;
  let dataDir: string;
  const children: Golive[] = [];

  before(async () => {
    port = await freeTcpPort();
    database = await createTestDatabase();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    livekit = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: `http://127.0.0.1:${port}/v1/livekit/webhook`,
      logger: createLogger('warn'),
    });
    await livekit.start();
    receiver = await WebhookReceiver.start();
    receiver.secrets = [SECRET];
    await receiver.stop();
    dataDir = mkdtempSync(join(tmpdir(), 'golive-hooks-crash-'));
  });

  after(async () => {
    for (const g of children) if (g.child.exitCode === null) g.child.kill('SIGKILL');
    await receiver?.stop();
    await livekit?.stop();
    await db?.end();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const golive = async (): Promise<Golive> => {
    const child = startGolive({
      GOLIVE_MODE: 'dev',
      PORT: String(port),
      GOLIVE_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      LIVEKIT_URL: livekit.endpoint.apiUrl,
      LIVEKIT_API_KEY: livekit.endpoint.apiKey,
      LIVEKIT_API_SECRET: livekit.endpoint.apiSecret,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      GOLIVE_API_KEYS: TEST_API_KEY,
      SESSION_START_COOLDOWN_SEC: '0',
      GOLIVE_WEBHOOK_URL: receiver.url,
      GOLIVE_WEBHOOK_SECRET: SECRET,
      // Long enough to outlast the outage below; short enough for a test.
      GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,2s,2s,3s,5s,10s,10s',
      OUTBOX_LEASE_SEC: '2',
      LOG_LEVEL: 'warn',
    });
    children.push(child);
    await waitReady(child, `http://127.0.0.1:${port}`);
    return child;
  };

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as { session: { id: string } } };
  };

  it('delivers every event once after the restart, in sequence per session', async (t) => {
    const first = await golive();
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const token = await userToken(uniqueUser('host'));
      const created = await call('POST', '/v1/sessions', token, { title: `Crash ${i}`, mode: 'broadcast', visibility: 'public' });
      assert.equal(created.status, 201);
      const id = created.body.session.id;
      sessions.push(id);
      assert.equal((await call('PATCH', `/v1/sessions/${id}/settings`, token, { slowModeSec: i + 1 })).status, 200);
      assert.equal((await call('POST', `/v1/sessions/${id}/end`, token, {})).status, 200);
    }
    const pending = async () =>
      (
        await db.query<{ n: number; tried: number }>(
          "select count(*)::int as n, count(*) filter (where attempts >= 1)::int as tried from outbox where kind = 'webhook.deliver' and status = 'pending'",
        )
      ).rows[0];
    // Only each session's first event is tried: the later ones wait behind it, in sequence.
    await eventually(
      async () => {
        const p = await pending();
        return p?.n === 12 && p.tried === 4;
      },
      { what: 'each session’s first delivery tried and failed (receiver down), the rest waiting' },
    );
    first.child.kill('SIGKILL');
    await exitWithin(first, 10_000);
    assert.equal((await pending())?.n, 12, 'all 12 deliveries still pending after the crash');
    assert.equal(receiver.received.length, 0);

    await receiver.listen();
    const restartedAt = Date.now();
    await golive();
    await eventually(() => receiver.accepted().length >= 12, { timeoutMs: 30_000, what: 'all 12 events to arrive' });
    // Whatever was still due or in flight settles before counting.
    await eventually(async () => (await pending())?.n === 0, { what: 'no delivery left pending' });
    t.diagnostic(`all delivered ${Date.now() - restartedAt} ms after the restart began`);
    const accepted = receiver.accepted();
    assert.equal(accepted.length, 12, 'each event arrived once');
    assert.equal(new Set(accepted.map((d) => d.id)).size, 12, 'twelve distinct webhook-ids');
    assert.ok(
      accepted.every((d) => d.verifiedWith.length === 1),
      'every one verified with GOLIVE_WEBHOOK_SECRET',
    );
    for (const id of sessions) {
      assert.deepEqual(
        receiver.forSession(id).map((d) => [d.event.data.sequence, d.event.type]),
        [
          [1, 'live.session.started'],
          [2, 'live.session.settings.changed'],
          [3, 'live.session.ended'],
        ],
        `session ${id} in sequence`,
      );
    }
    const endpoints = await db.query('select id from webhook_endpoints where from_env');
    assert.equal(endpoints.rowCount, 1, 'the restart kept the same endpoint from GOLIVE_WEBHOOK_URL');
  });
});
