import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import pg from 'pg';
import type { LivekitEndpoint } from '../src/adapters/livekit.ts';
import { LocalLivekitServer } from '../src/adapters/livekit-process.ts';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { createServices, type Services } from '../src/services.ts';
import { assertPortOpen, HOW_TO_START } from './services-check.ts';
import { assertAllDeclared, undeclaredAnswers } from './undeclared-codes.ts';

export const ADMIN_DSN = process.env.GOLIVE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The unit tier (GOLIVE_TEST_TIER=unit, set by scripts/run-tests.ts) starts no service. */
function assertNotUnitTier(service: string): void {
  if (process.env.GOLIVE_TEST_TIER === 'unit')
    throw new Error(`a *.unit.test.ts needs ${service}: it belongs to the integration tier (name it *.test.ts), or use in-memory ports`);
}

/** The livekit-server binary the suite runs: GOLIVE_LIVEKIT_BIN, else the one ./golive setup built. */
export function livekitBinary(): string {
  assertNotUnitTier('livekit-server');
  const bin = process.env.GOLIVE_LIVEKIT_BIN ?? resolve(REPO_ROOT, '.tools/livekit-1.13.5/livekit-server');
  if (!existsSync(bin)) throw new Error(HOW_TO_START.livekit);
  return bin;
}

/** A new, empty PostgreSQL database for one test file; dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  assertNotUnitTier('PostgreSQL');
  await assertPortOpen(5432, HOW_TO_START.postgres);
  const name = `golive_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DSN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = ADMIN_DSN.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_DSN });
      await c.connect();
      // pg's Pool.end() resolves before its sockets have closed; a forced drop would terminate those
      // closing connections and surface as an uncaught 'error' event in the test process.
      await eventually(
        async () => {
          const res = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          return res.rows[0]?.n === 0;
        },
        { timeoutMs: 5_000, what: `connections to ${name} to close` },
      ).catch(() => {});
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export type LogCapture = { lines: string[]; text(): string };

export type StackOptions = {
  /** Extra environment for loadConfig (e.g. SESSION_START_COOLDOWN_SEC). */
  env?: Record<string, string>;
  /** Reuse a database (restart tests); a fresh one is created otherwise. */
  databaseUrl?: string;
  /**
   * Reuse a running livekit-server: a second instance beside another stack, or a restart, which
   * gives `port`, the golive port that server's webhooks reach. Without `port` the stack holds a
   * free one of its own until it listens.
   */
  livekit?: { server: LocalLivekitServer; endpoint: LivekitEndpoint; port?: number };
  /** Start the reconciler (default true); the outbox poller runs either way on a worker. */
  reconciler?: boolean;
  /** Have the livekit-server it starts serve its Prometheus metrics (livekitServer.prometheusUrl). */
  livekitMetrics?: boolean;
};

/**
 * A golive instance on a real PostgreSQL database and a real livekit-server whose webhooks reach
 * it, listening on a free loopback port. Everything is torn down by stop().
 */
export class TestStack {
  readonly config: Config;
  readonly services: Services;
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly port: number;
  readonly logs: LogCapture;
  readonly livekitServer: LocalLivekitServer;
  readonly databaseUrl: string;
  readonly #dropDatabase: (() => Promise<void>) | null;
  readonly #ownsLivekit: boolean;

  private constructor(init: {
    config: Config;
    services: Services;
    app: FastifyInstance;
    port: number;
    logs: LogCapture;
    livekitServer: LocalLivekitServer;
    databaseUrl: string;
    dropDatabase: (() => Promise<void>) | null;
    ownsLivekit: boolean;
  }) {
    this.config = init.config;
    this.services = init.services;
    this.app = init.app;
    this.port = init.port;
    this.baseUrl = `http://127.0.0.1:${init.port}`;
    this.logs = init.logs;
    this.livekitServer = init.livekitServer;
    this.databaseUrl = init.databaseUrl;
    this.#dropDatabase = init.dropDatabase;
    this.#ownsLivekit = init.ownsLivekit;
  }

  static async start(options: StackOptions = {}): Promise<TestStack> {
    const database = options.databaseUrl ? { url: options.databaseUrl, drop: null } : await createTestDatabase();
    // golive's port goes into livekit-server's webhook URL before golive listens on it: hold it
    // until then, so that another test file's servers cannot take it in between (EADDRINUSE).
    const reserved = options.livekit?.port === undefined ? await reserveTcpPort() : null;
    const port = options.livekit?.port ?? reserved?.port ?? 0;
    const logs = captureLogs();
    const logger = createLogger(process.env.GOLIVE_TEST_LOG_LEVEL ?? 'info', logs.stream);
    let livekitServer = options.livekit?.server;
    let endpoint = options.livekit?.endpoint;
    let services: Services | undefined;
    let app: FastifyInstance | undefined;
    try {
      if (!livekitServer || !endpoint) {
        livekitServer = new LocalLivekitServer({
          binary: livekitBinary(),
          port: 0,
          webhookUrl: `http://127.0.0.1:${port}/v1/livekit/webhook`,
          logger: logger.child({ component: 'livekit-server' }),
          ...(options.livekitMetrics ? { prometheusPort: 0 } : {}),
        });
        endpoint = await livekitServer.start();
      }
      const config = loadConfig({
        GOLIVE_MODE: 'dev',
        PORT: String(port),
        GOLIVE_DATA_DIR: resolve(REPO_ROOT, '.data/test'),
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '10',
        LIVEKIT_URL: endpoint.apiUrl,
        LIVEKIT_CLIENT_URL: endpoint.clientUrl,
        LIVEKIT_API_KEY: endpoint.apiKey,
        LIVEKIT_API_SECRET: endpoint.apiSecret,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        GOLIVE_API_KEYS: TEST_API_KEY,
        SESSION_START_COOLDOWN_SEC: '0',
        RTMP_PORT: '0',
        LOG_LEVEL: 'debug',
        ...options.env,
      });
      services = await createServices(config, logger);
      app = await buildApp({ config, services, logger });
      await reserved?.release();
      await app.listen({ host: '127.0.0.1', port });
      if (config.roles.has('web')) await services.startRtmp();
      // Without the reconciler (tests of synthetic participants it would rightly correct), the
      // worker still carries out effects, scheduled ones included.
      if (config.roles.has('worker')) {
        if (options.reconciler === false) services.effects.start();
        else await services.startWorker();
      }
      return new TestStack({
        config,
        services,
        app,
        port,
        logs,
        livekitServer,
        databaseUrl: database.url,
        dropDatabase: database.drop,
        ownsLivekit: !options.livekit,
      });
    } catch (error) {
      // A half-started stack would keep the test process alive (and the run waiting on it).
      await reserved?.release();
      await app?.close().catch(() => {});
      await services?.close().catch(() => {});
      if (!options.livekit) await livekitServer?.stop().catch(() => {});
      await database.drop?.().catch(() => {});
      throw error;
    }
  }

  /** Stops golive only, keeping the database and livekit-server; fails if a route answered an undeclared code. */
  async stopApp(): Promise<void> {
    const undeclared = await undeclaredAnswers(this.services);
    await this.app.close();
    await this.services.close();
    assertAllDeclared(undeclared);
  }

  async stop(): Promise<void> {
    await this.stopApp();
    if (this.#ownsLivekit) await this.livekitServer.stop();
    await this.#dropDatabase?.();
  }

  /** A JSON request to the running app. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : null) as T;
    return { status: res.status, body, headers: res.headers };
  }
}

export const TEST_JWT_SECRET = 'golive-test-secret-0123456789-abcdefghijklmnop';
export const TEST_API_KEY = 'glk_test_0123456789abcdef0123456789abcdef';

/** A user token as the host app would sign it. */
export async function userToken(userId: string, options: { name?: string; admin?: boolean; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT({ name: options.name ?? userId, role: options.admin ? 'admin' : 'user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

/** A unique user id per call, so tests never collide on "one live session per host". */
export function uniqueUser(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function captureLogs(): LogCapture & { stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      if (process.env.GOLIVE_TEST_LOGS === '1') process.stderr.write(chunk);
      callback();
    },
  });
  return { lines, stream, text: () => lines.join('') };
}

/** Polls until check() returns a truthy value (readiness, never a fixed sleep). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
  throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
}

/** A loopback TCP port held (listened on) until release(); release() may be called more than once. */
export type ReservedPort = { port: number; release(): Promise<void> };

/**
 * A free loopback TCP port, held until release(), so that nothing else (another test file's
 * servers, an outgoing connection's local port) can take it meanwhile. Release it right before
 * the process that listens on it starts listening, or spawns.
 */
export async function reserveTcpPort(): Promise<ReservedPort> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the reserved port has no address');
  let released: Promise<void> | null = null;
  return { port: address.port, release: () => (released ??= new Promise<void>((r) => server.close(() => r()))) };
}

/** Resolves like `promise`, or rejects saying what did not happen within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
