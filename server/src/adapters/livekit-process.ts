import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LivekitEndpoint } from './livekit.ts';

export type LocalLivekitOptions = {
  /** Path of the livekit-server binary. */
  binary: string;
  /** HTTP/WebSocket port; 0 picks a free one. */
  port: number;
  /** Where livekit-server posts its webhooks. */
  webhookUrl: string;
  logger: Logger;
  /** livekit-server's own log level. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Serve livekit-server's Prometheus metrics on loopback at this port (0 picks a free one); off when absent. */
  prometheusPort?: number;
  /** The API key and secret; generated when absent. Nodes of one cluster share them. */
  keys?: { apiKey: string; apiSecret: string };
  /**
   * Redis for LiveKit's multi-node routing: nodes on the same Redis database form one cluster,
   * and any of them routes a participant to the room's node. Without it the node is standalone.
   */
  redis?: { address: string; db: number };
  /** Restart livekit-server when it dies (default true); false leaves a killed node down. */
  restartOnExit?: boolean;
};

/**
 * A livekit-server child process on loopback, with generated keys and its webhook pointed at
 * golive. It is restarted if it dies and stopped with golive.
 */
export class LocalLivekitServer {
  readonly #options: LocalLivekitOptions;
  #child: ChildProcess | null = null;
  #configDir: string | null = null;
  #stopping = false;
  #endpoint: LivekitEndpoint | null = null;
  #restarts = 0;
  #spawnError: Error | null = null;
  #prometheusUrl: string | null = null;
  /** Last resort if golive exits without stop() (a crash, process.exit): never leave an orphan. */
  readonly #killOnExit = () => {
    this.#child?.kill('SIGKILL');
    if (this.#configDir) rmSync(this.#configDir, { recursive: true, force: true });
  };

  constructor(options: LocalLivekitOptions) {
    this.#options = options;
  }

  /** The pid of the running livekit-server, or null when none runs. */
  get pid(): number | null {
    const child = this.#child;
    return child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null;
  }

  get endpoint(): LivekitEndpoint {
    if (!this.#endpoint) throw new Error('LocalLivekitServer.start() has not completed');
    return this.#endpoint;
  }

  /** Where livekit-server serves its Prometheus metrics, when prometheusPort was given. */
  get prometheusUrl(): string | null {
    return this.#prometheusUrl;
  }

  async start(): Promise<LivekitEndpoint> {
    const port = this.#options.port || (await freeTcpPort());
    const udpPort = await freeUdpPort();
    const { prometheusPort } = this.#options;
    const metricsPort = prometheusPort === undefined ? null : prometheusPort || (await freeTcpPort());
    const apiKey = this.#options.keys?.apiKey ?? `APIgolive${randomBytes(6).toString('hex')}`;
    const apiSecret = this.#options.keys?.apiSecret ?? randomBytes(32).toString('base64url');
    this.#configDir = mkdtempSync(join(tmpdir(), 'golive-livekit-'));
    const configPath = join(this.#configDir, 'livekit.yaml');
    // JSON is valid YAML; the file is private to this user because it holds the secret.
    const config = {
      port,
      bind_addresses: ['127.0.0.1'],
      rtc: {
        udp_port: udpPort,
        tcp_port: 0,
        node_ip: '127.0.0.1',
        use_external_ip: false,
        enable_loopback_candidate: true,
      },
      keys: { [apiKey]: apiSecret },
      webhook: { api_key: apiKey, urls: [this.#options.webhookUrl] },
      // Rooms exist only while golive's session is live: a still-valid token cannot re-create the
      // room of an ended session by joining it.
      room: { auto_create: false },
      logging: { level: this.#options.logLevel ?? 'warn', json: true },
      ...(this.#options.redis ? { redis: { address: this.#options.redis.address, db: this.#options.redis.db } } : {}),
      // Served on bind_addresses (loopback) too; docs/operations.md lists the metrics worth scraping.
      ...(metricsPort === null ? {} : { prometheus: { port: metricsPort } }),
    };
    writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
    this.#endpoint = {
      apiUrl: `http://127.0.0.1:${port}`,
      clientUrl: `ws://127.0.0.1:${port}`,
      apiKey,
      apiSecret,
    };
    this.#prometheusUrl = metricsPort === null ? null : `http://127.0.0.1:${metricsPort}/metrics`;
    process.once('exit', this.#killOnExit);
    this.#spawn(configPath);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/`, 20_000, () => this.#spawnError !== null || this.#child?.exitCode != null);
    } catch (error) {
      await this.stop();
      const reason = this.#spawnError
        ? `cannot run ${this.#options.binary} (${this.#spawnError.message}): run ./golive setup, or set GOLIVE_LIVEKIT_BIN to a livekit-server binary`
        : (error as Error).message;
      throw new Error(`the embedded livekit-server did not start: ${reason}`, { cause: error });
    }
    this.#options.logger.info(
      { port, udpPort, livekitPid: this.#child?.pid, ...(this.#prometheusUrl ? { metrics: this.#prometheusUrl } : {}) },
      'livekit-server ready',
    );
    return this.#endpoint;
  }

  #spawn(configPath: string): void {
    const { binary, logger } = this.#options;
    const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) logger.debug({ livekit: line }, 'livekit-server');
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('error', (error) => {
      this.#spawnError = error;
      logger.error({ err: error, binary }, `cannot run livekit-server (${binary}): run ./golive setup, or set GOLIVE_LIVEKIT_BIN`);
    });
    child.on('exit', (code, signal) => {
      if (this.#stopping || this.#spawnError) return;
      if (this.#options.restartOnExit === false) {
        logger.warn({ code, signal }, 'livekit-server exited; not restarting it (restartOnExit: false)');
        return;
      }
      this.#restarts += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#restarts, 6));
      logger.error({ code, signal, restartInMs: delay }, 'livekit-server exited; restarting');
      setTimeout(() => {
        if (!this.#stopping) this.#spawn(configPath);
      }, delay).unref();
    });
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.#killOnExit);
    if (this.#configDir) rmSync(this.#configDir, { recursive: true, force: true });
  }
}

async function waitForHttp(url: string, timeoutMs: number, failed: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) throw new Error('livekit-server exited during start-up: see the log above');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`livekit-server did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * A loopback TCP port that was free a moment ago, for a process that binds it at once (start()
 * writes it into livekit-server's config and spawns it). Anything else may take it meanwhile: to
 * hold a port across other work, tests use reserveTcpPort (server/test/harness.ts).
 */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
