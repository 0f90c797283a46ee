import pg from 'pg';
import type { Logger } from 'pino';

export type ListenerState = 'connected' | 'disconnected';

export type PgListenerOptions = {
  url: string;
  channel: string;
  onNotify: (payload: string) => void;
  /** Told when notifications may have been missed (disconnected) and when they flow again. */
  onState: (state: ListenerState) => void;
  logger: Logger;
  /** A silently dead connection is noticed within heartbeatMs + heartbeatTimeoutMs. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
};

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel, reconnecting with backoff. While
 * it is not connected, notifications may be missed: onState('disconnected') tells the owner to
 * stop trusting what they invalidate, and onState('connected') comes only once LISTEN is in place
 * again. A heartbeat query catches a connection that died without a word (a half-open socket).
 */
export class PgListener {
  readonly #o: Required<PgListenerOptions>;
  #client: pg.Client | null = null;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;

  constructor(options: PgListenerOptions) {
    this.#o = { heartbeatMs: 2_000, heartbeatTimeoutMs: 1_000, ...options };
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.#o.url, application_name: `golive-listen-${this.#o.channel}` });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    try {
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === this.#o.channel && n.payload) this.#o.onNotify(n.payload);
      });
      await client.query(`listen ${pg.escapeIdentifier(this.#o.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.#retryLater(error);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    this.#o.onState('connected');
    this.#schedule(() => void this.#heartbeat(client), this.#o.heartbeatMs);
  }

  async #heartbeat(client: pg.Client): Promise<void> {
    if (this.#client !== client) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('select 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('heartbeat timed out')), this.#o.heartbeatTimeoutMs);
        }),
      ]);
      this.#schedule(() => void this.#heartbeat(client), this.#o.heartbeatMs);
    } catch (error) {
      this.#lost(client, error);
    } finally {
      clearTimeout(timer);
    }
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#o.onState('disconnected');
    client.end().catch(() => undefined);
    this.#retryLater(error);
  }

  #retryLater(error: unknown): void {
    if (this.#stopped) return;
    this.#failures++;
    const delay = Math.min(10_000, 100 * 2 ** Math.min(this.#failures, 7));
    this.#o.logger.warn({ err: error, retryInMs: delay }, `LISTEN ${this.#o.channel} lost; reconnecting`);
    this.#schedule(() => void this.#connect(), delay);
  }

  #schedule(run: () => void, ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(run, ms);
    this.#timer.unref();
  }
}
