import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type Golive, startGolive, waitReady } from '../../test/golive-process.ts';
import {
  createTestDatabase,
  eventually,
  livekitBinary,
  reserveTcpPort,
  TEST_JWT_SECRET,
  uniqueUser,
  userToken,
} from '../../test/harness.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';
import { LocalLivekitServer } from '../adapters/livekit-process.ts';
import { createLogger } from '../logger.ts';

describe('chat durability', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let livekit: LocalLivekitServer;
  let golive: Golive;
  let baseUrl: string;
  const clients = new RealtimeClients();

  before(async () => {
    database = await createTestDatabase();
    // Held until golive is spawned: another file's servers must not take it meanwhile.
    const reserved = await reserveTcpPort();
    const { port } = reserved;
    baseUrl = `http://127.0.0.1:${port}`;
    livekit = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: `${baseUrl}/v1/livekit/webhook`,
      logger: createLogger('silent'),
    });
    const endpoint = await livekit.start();
    await reserved.release();
    // A real golive process, so it can be killed the hard way (startGolive: its own RTMP port, its output kept).
    golive = startGolive({
      PORT: String(port),
      DATABASE_URL: database.url,
      LIVEKIT_URL: endpoint.apiUrl,
      LIVEKIT_API_KEY: endpoint.apiKey,
      LIVEKIT_API_SECRET: endpoint.apiSecret,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      GOLIVE_API_KEYS: 'glk_durability_0123456789abcdef0123456789',
      GOLIVE_DATA_DIR: resolve(import.meta.dirname, '../../../.data/test-durability'),
      CHAT_RATE_LIMIT_MESSAGES: '10000',
      LOG_LEVEL: 'warn',
    });
    await waitReady(golive, baseUrl, 20_000);
  });

  after(async () => {
    clients.closeAll();
    golive?.child.kill('SIGKILL');
    await livekit?.stop();
    await database?.drop();
  });

  it('keeps every acknowledged message after kill -9 of the instance that acknowledged it', async () => {
    const host = uniqueUser('host');
    const created = await fetch(`${baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await userToken(host)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Durability', mode: 'broadcast', visibility: 'public' }),
    });
    const sessionId = ((await created.json()) as { session: { id: string } }).session.id;
    const senders = await Promise.all([0, 1, 2, 3].map(async () => (await clients.connect(baseUrl)).subscribe(sessionId)));
    const acked: string[] = [];
    let stop = false;
    // Four senders fire continuously; the process dies mid-stream.
    const loops = senders.map(async (sender, n) => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push((await sender.send(`sender ${n} message ${i}`)).id);
        } catch {
          return; // the connection died with the process
        }
      }
    });
    await eventually(() => acked.length >= 40, { what: '40 acknowledged messages' });
    golive.child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    await golive.exited;

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const stored = new Set(
      (await db.query<{ id: string }>('select id from chat_messages where session_id = $1', [sessionId])).rows.map((r) => r.id),
    );
    await db.end();
    const missing = acked.filter((id) => !stored.has(id));
    console.log(`acknowledged ${acked.length} messages before kill -9; stored ${stored.size}`);
    assert.deepEqual(missing, [], 'every acknowledged message is in PostgreSQL');
  });
});
