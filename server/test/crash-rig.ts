// What the kill -9 tests share: a database, a livekit-server posting webhooks to golive's port, a
// data dir, and golive started as a child process against them (as often as a test restarts it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LocalLivekitServer } from '../src/adapters/livekit-process.ts';
import { createLogger } from '../src/logger.ts';
import { type Golive, startGolive, waitReady } from './golive-process.ts';
import { createTestDatabase, livekitBinary, type ReservedPort, reserveTcpPort, TEST_API_KEY, TEST_JWT_SECRET } from './harness.ts';

export class CrashRig {
  readonly children: Golive[] = [];
  readonly port: number;
  readonly database: { url: string; drop: () => Promise<void> };
  readonly db: pg.Client;
  readonly livekit: LocalLivekitServer;
  readonly dataDir: string;
  /** Holds golive's port until the first golive listens on it (see TestStack.start). */
  readonly #reserved: ReservedPort;

  private constructor(parts: Pick<CrashRig, 'port' | 'database' | 'db' | 'livekit' | 'dataDir'> & { reserved: ReservedPort }) {
    this.port = parts.port;
    this.database = parts.database;
    this.db = parts.db;
    this.livekit = parts.livekit;
    this.dataDir = parts.dataDir;
    this.#reserved = parts.reserved;
  }

  static async start(dataDirPrefix: string): Promise<CrashRig> {
    const reserved = await reserveTcpPort();
    const port = reserved.port;
    const database = await createTestDatabase();
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const livekit = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: `http://127.0.0.1:${port}/v1/livekit/webhook`,
      logger: createLogger('warn'),
    });
    await livekit.start();
    return new CrashRig({ port, database, db, livekit, dataDir: mkdtempSync(join(tmpdir(), dataDirPrefix)), reserved });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts golive (dev mode, this rig's database, LiveKit and data dir, plus `env`) and waits until it is ready. */
  async golive(env: Record<string, string>): Promise<Golive> {
    await this.#reserved.release();
    const child = startGolive({
      GOLIVE_MODE: 'dev',
      PORT: String(this.port),
      GOLIVE_DATA_DIR: this.dataDir,
      DATABASE_URL: this.database.url,
      LIVEKIT_URL: this.livekit.endpoint.apiUrl,
      LIVEKIT_CLIENT_URL: this.livekit.endpoint.clientUrl,
      LIVEKIT_API_KEY: this.livekit.endpoint.apiKey,
      LIVEKIT_API_SECRET: this.livekit.endpoint.apiSecret,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      GOLIVE_API_KEYS: TEST_API_KEY,
      SESSION_START_COOLDOWN_SEC: '0',
      // A killed instance's claims are taken over after 2 s.
      OUTBOX_LEASE_SEC: '2',
      ...env,
    });
    this.children.push(child);
    await waitReady(child, this.baseUrl);
    return child;
  }

  /** A JSON request to golive as `token`'s user; an empty answer's body is null. */
  async call<T>(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, raw: res };
  }

  /** Kills what is still running and removes what the rig made. */
  async stop(): Promise<void> {
    await this.#reserved.release();
    for (const g of this.children) if (g.child.exitCode === null) g.child.kill('SIGKILL');
    await this.livekit.stop();
    await this.db.end();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
