import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LivekitEndpoint } from '../../server/src/adapters/livekit.ts';
import { LocalLivekitServer } from '../../server/src/adapters/livekit-process.ts';
import { createLogger } from '../../server/src/logger.ts';
import { createTestDatabase, livekitBinary, reserveTcpPort, TEST_API_KEY, TEST_JWT_SECRET } from '../../server/test/harness.ts';
import { BenchChild } from './child.ts';
import { childPids } from './proc.ts';

export const BENCH_ROOT = resolve(import.meta.dirname, '..');
export const RESULTS_DIR = join(BENCH_ROOT, 'results');

export type GoliveReady = { port: number; readyAtUs: number };

export type StackOptions = {
  /** Extra golive environment (overrides the bench defaults below). */
  env?: Record<string, string>;
  /** Names golive's child and log file (default "golive"), so two stacks do not share a log. */
  name?: string;
  /** Where golive writes a --cpu-prof profile on exit; no profiling when absent. */
  profileDir?: string;
};

/**
 * What the tests run (a fresh PostgreSQL database, a real livekit-server whose webhooks reach
 * golive), except that golive runs in its own process, started the way main.ts starts it.
 */
export class BenchStack {
  readonly golive: BenchChild<GoliveReady>;
  readonly baseUrl: string;
  readonly livekitServer: LocalLivekitServer;
  readonly livekit: LivekitEndpoint;
  readonly livekitPid: number;
  /** golive's PostgreSQL database (e.g. to find its backends' pids). */
  readonly databaseUrl: string;
  readonly #dropDatabase: () => Promise<void>;

  private constructor(init: {
    golive: BenchChild<GoliveReady>;
    livekitServer: LocalLivekitServer;
    livekit: LivekitEndpoint;
    livekitPid: number;
    databaseUrl: string;
    dropDatabase: () => Promise<void>;
  }) {
    this.golive = init.golive;
    this.baseUrl = `http://127.0.0.1:${init.golive.ready.port}`;
    this.livekitServer = init.livekitServer;
    this.livekit = init.livekit;
    this.livekitPid = init.livekitPid;
    this.databaseUrl = init.databaseUrl;
    this.#dropDatabase = init.dropDatabase;
  }

  static async start(options: StackOptions = {}): Promise<BenchStack> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const database = await createTestDatabase();
    // golive's port, named in livekit-server's webhook URL: held until golive is spawned.
    const reserved = await reserveTcpPort();
    const port = reserved.port;
    const livekitServer = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: `http://127.0.0.1:${port}/v1/livekit/webhook`,
      logger: createLogger('warn'),
    });
    let golive: BenchChild<GoliveReady> | undefined;
    try {
      const livekit = await livekitServer.start();
      const livekitPid = childPids(process.pid, 'livekit-server').at(-1) ?? -1;
      if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
      await reserved.release();
      golive = await BenchChild.start<GoliveReady>({
        name: options.name ?? 'golive',
        script: join(BENCH_ROOT, 'servers/golive-server.ts'),
        logFile: join(RESULTS_DIR, `${options.name ?? 'golive'}.log`),
        execArgv: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
        env: {
          // A production configuration: what a deployment runs, not the dev defaults.
          GOLIVE_MODE: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: database.url,
          DATABASE_POOL_SIZE: '10',
          LIVEKIT_URL: livekit.apiUrl,
          LIVEKIT_CLIENT_URL: livekit.clientUrl,
          LIVEKIT_API_KEY: livekit.apiKey,
          LIVEKIT_API_SECRET: livekit.apiSecret,
          AUTH_JWT_SECRET: TEST_JWT_SECRET,
          GOLIVE_API_KEYS: TEST_API_KEY,
          // Every session start in the bench is by a distinct user; the limits would only add 429s.
          SESSION_START_COOLDOWN_SEC: '0',
          SESSION_STARTS_PER_HOUR: '100000',
          LOG_LEVEL: 'info',
          ...options.env,
        },
      });
      return new BenchStack({ golive, livekitServer, livekit, livekitPid, databaseUrl: database.url, dropDatabase: database.drop });
    } catch (error) {
      await reserved.release();
      await golive?.stop();
      await livekitServer.stop();
      await database.drop();
      throw error;
    }
  }

  /** Processes whose CPU use is reported for every measurement. */
  pids(): Record<string, number> {
    return { golive: this.golive.pid, 'livekit-server': this.livekitPid };
  }

  async stop(): Promise<void> {
    await this.golive.stop();
    await this.livekitServer.stop();
    await this.#dropDatabase();
  }
}
