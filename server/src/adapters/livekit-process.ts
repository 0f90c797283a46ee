import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
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
  /** How free ports are picked (default: the kernel's); a test hands out a taken one first. */
  ports?: { tcp(): Promise<number>; udp(): Promise<number> };
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
  /** Set while start() waits for the child: a death then is start()'s to handle, not a restart. */
  #starting = false;
  /** livekit-server's last lines of output, for the reason of a failed start. */
  readonly #recentOutput: string[] = [];
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

  /**
   * Ports picked here were free a moment before the child binds them, and another process can
   * take one in between: a start that fails on a taken port is tried again on fresh ones.
   */
  async start(): Promise<LivekitEndpoint> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#startOnce();
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error;
        this.#options.logger.warn({ attempt, reason: error.message }, 'livekit-server could not bind its ports; trying fresh ones');
      }
    }
  }

  async #startOnce(): Promise<LivekitEndpoint> {
    this.#stopping = false;
    this.#recentOutput.length = 0;
    const ports = this.#options.ports ?? { tcp: freeTcpPort, udp: freeUdpPort };
    const port = this.#options.port || (await ports.tcp());
    const udpPort = await ports.udp();
    const { prometheusPort } = this.#options;
    const metricsPort = prometheusPort === undefined ? null : prometheusPort || (await ports.tcp());
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
    this.#starting = true;
    this.#spawn(configPath);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/`, 20_000, () => this.#spawnError !== null || this.#child?.exitCode != null);
      await this.#answersWithOurKeys({ apiUrl: `http://127.0.0.1:${port}`, apiKey, apiSecret });
    } catch (error) {
      await this.stop();
      const output = this.#recentOutput.join('\n');
      if (!this.#spawnError && (error instanceof PortTakenError || /address already in use/i.test(output))) {
        throw new PortTakenError(`port ${port} or ${udpPort}/udp was taken: ${output.slice(-300) || (error as Error).message}`);
      }
      const reason = this.#spawnError
        ? `cannot run ${this.#options.binary} (${this.#spawnError.message}): run ./golive setup, or set GOLIVE_LIVEKIT_BIN to a livekit-server binary`
        : `${(error as Error).message}${output ? `; its last output: ${output.slice(-500)}` : ''}`;
      throw new Error(`the embedded livekit-server did not start: ${reason}`, { cause: error });
    } finally {
      this.#starting = false;
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
        if (!line.trim()) continue;
        logger.debug({ livekit: line }, 'livekit-server');
        this.#recentOutput.push(line.slice(0, 500));
        if (this.#recentOutput.length > 5) this.#recentOutput.shift();
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.on('error', (error) => {
      this.#spawnError = error;
      logger.error({ err: error, binary }, `cannot run livekit-server (${binary}): run ./golive setup, or set GOLIVE_LIVEKIT_BIN`);
    });
    child.on('exit', (code, signal) => {
      if (this.#stopping || this.#starting || this.#spawnError) return;
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

  /**
   * Whatever answers on the port must take our keys: a livekit-server of another process that
   * bound the port first would answer HTTP too, while ours dies on the taken port.
   */
  async #answersWithOurKeys(endpoint: Pick<LivekitEndpoint, 'apiUrl' | 'apiKey' | 'apiSecret'>): Promise<void> {
    const rooms = new RoomServiceClient(endpoint.apiUrl, endpoint.apiKey, endpoint.apiSecret, { requestTimeout: 5 });
    try {
      await rooms.listRooms();
    } catch (error) {
      throw new PortTakenError(`another server answers on ${endpoint.apiUrl} (${(error as Error).message})`);
    }
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

const START_ATTEMPTS = 3;

class PortTakenError extends Error {}

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

/** A loopback UDP port that was free a moment ago (see freeTcpPort). */
export async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
