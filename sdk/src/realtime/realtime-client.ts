import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, RealtimeError, RealtimeErrorCode, ServerToClientEvents } from './protocol.ts';
import { REALTIME_PATH } from './protocol.ts';
import { SessionSubscription } from './session-subscription.ts';
import { SessionsFeed } from './sessions-feed.ts';

export { SessionSubscription };

export type RealtimeOptions = {
  /** golive's base URL, e.g. https://live.example.com */
  baseUrl: string;
  /** The user's JWT, or a function returning a fresh one (called on every (re)connect). */
  token?: string | (() => string | Promise<string>);
  /** Server-side use: an API key acting for `user`. */
  apiKey?: string;
  user?: string;
  /** How long to wait for a missing message before re-syncing from the server. Default 500 ms. */
  gapTimeoutMs?: number;
  /** Per-request timeout for acknowledgements. Default 10 s. */
  ackTimeoutMs?: number;
};

/** The realtime connection: connected, or down (Socket.IO reconnects by itself). */
export type ConnectionState = 'connected' | 'disconnected';

/** An error answered by the server (or a timeout), with its stable code. */
export class RealtimeRequestError extends Error {
  readonly code: RealtimeErrorCode | 'TIMEOUT' | 'DISCONNECTED';
  readonly retryAfterMs: number | undefined;
  constructor(error: RealtimeError | { code: 'TIMEOUT' | 'DISCONNECTED'; message: string }) {
    super(error.message);
    this.name = 'RealtimeRequestError';
    this.code = error.code;
    this.retryAfterMs = 'retryAfterMs' in error ? error.retryAfterMs : undefined;
  }
}

type GoliveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The realtime connection: one Socket.IO socket carrying any number of session subscriptions
 * and the sessions feed. It reconnects by itself and resumes each subscription from the last
 * message it delivered, so a client that drops for a while gets what it missed, in order,
 * without duplicates.
 */
export class GoliveRealtime {
  readonly #socket: GoliveSocket;
  readonly #options: RealtimeOptions;
  readonly #subscriptions = new Map<string, SessionSubscription>();
  /** Each session's subscription once its first answer came (a second subscriber waits for it). */
  readonly #subscribing = new Map<string, Promise<SessionSubscription>>();
  readonly #connectionListeners = new Set<(state: ConnectionState) => void>();
  #feed: SessionsFeed | null = null;
  #watching: Promise<SessionsFeed> | null = null;
  #feedHolders = 0;

  constructor(options: RealtimeOptions) {
    this.#options = options;
    // "" means this page's origin, which socket.io-client spells as no URL at all.
    const socketOptions = {
      path: REALTIME_PATH,
      transports: ['websocket'],
      autoConnect: false,
      auth: (cb) => {
        void resolveToken(options.token).then((token) => cb({ token, apiKey: options.apiKey, user: options.user }));
      },
    } satisfies Parameters<typeof io>[1];
    this.#socket = options.baseUrl ? io(options.baseUrl, socketOptions) : io(socketOptions);
    this.#socket.on('connect', () => {
      for (const listener of this.#connectionListeners) listener('connected');
      if (this.#socket.recovered) return;
      for (const sub of this.#subscriptions.values()) void sub.resume().catch(() => undefined);
      const feed = this.#feed;
      if (feed)
        void this.request('sessions.watch', {}).then(
          () => feed.emit('resumed'),
          () => undefined,
        );
    });
    this.#socket.on('disconnect', () => {
      for (const listener of this.#connectionListeners) listener('disconnected');
    });
    const sub = (sessionId: string) => this.#subscriptions.get(sessionId);
    // A push of state waits for a subscribe answer in flight, then applies on top of it.
    const state = (sessionId: string, push: (s: SessionSubscription) => void) => {
      const s = sub(sessionId);
      s?.afterAnswer(() => push(s));
    };
    this.#socket.on('chat.message', (m) => sub(m.sessionId)?.onMessage(m));
    this.#socket.on('chat.deleted', (e) => state(e.sessionId, (s) => s.onDeleted(e.messageId)));
    this.#socket.on('chat.pinned', (e) => state(e.sessionId, (s) => s.onPinned(e.message)));
    this.#socket.on('session.counters', (c) => {
      state(c.sessionId, (s) => s.onCounters(c));
      this.#feed?.emit('counters', c);
    });
    this.#socket.on('session.settings', (e) => state(e.sessionId, (s) => s.onSettings(e.settings)));
    this.#socket.on('reactions', (b) => state(b.sessionId, (s) => s.onReactions(b)));
    this.#socket.on('session.ended', (e) => sub(e.sessionId)?.onEnded(e));
    this.#socket.on('stage.request', (e) => sub(e.sessionId)?.emitEvent('stageRequest', e.request));
    this.#socket.on('participant.role', (e) => sub(e.sessionId)?.emitEvent('role', { userId: e.userId, role: e.role }));
    this.#socket.on('session.permissions', (e) => state(e.sessionId, (s) => s.onPermissions({ role: e.role, permissions: e.permissions })));
    this.#socket.on('session.removed', (e) => sub(e.sessionId)?.onRemoved(e));
    this.#socket.on('ingest.status', (e) => state(e.sessionId, (s) => s.onIngest(e.ingest)));
    this.#socket.on('recording.started', (e) => state(e.sessionId, (s) => s.onRecording(e.recording)));
    this.#socket.on('recording.stopped', (e) => state(e.sessionId, (s) => s.onRecordingStopped(e.recordingId)));
    this.#socket.on('sessions.live', (e) => this.#feed?.emit('live', e.session));
    this.#socket.on('sessions.ended', (e) => this.#feed?.emit('ended', e));
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** The underlying socket id (changes on every reconnect). */
  get socketId(): string | undefined {
    return this.#socket.id;
  }

  /** Told when the connection drops and when it is back; returns the unsubscribe function. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Connects; rejects with the server's error code (e.g. INVALID_TOKEN) if refused. */
  async connect(): Promise<void> {
    if (this.#socket.connected) return;
    await new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        this.#socket.off('connect_error', onError);
        resolve();
      };
      const onError = (error: Error & { data?: RealtimeError }) => {
        this.#socket.off('connect', onConnect);
        this.#socket.disconnect();
        reject(new RealtimeRequestError(error.data ?? { code: 'DISCONNECTED', message: error.message }));
      };
      this.#socket.once('connect', onConnect);
      this.#socket.once('connect_error', onError);
      this.#socket.connect();
    });
  }

  /**
   * Subscribes to a session's chat, reactions, counters and state. Subscribing again to the same
   * session shares the subscription; it ends when every subscriber has called unsubscribe().
   */
  async subscribe(sessionId: string): Promise<SessionSubscription> {
    const existing = this.#subscribing.get(sessionId);
    if (existing) {
      const sub = await existing;
      sub.retain();
      return sub;
    }
    const sub = new SessionSubscription(sessionId, this, this.#options.gapTimeoutMs ?? 500);
    this.#subscriptions.set(sessionId, sub);
    const ready = sub.resume().then(() => sub);
    this.#subscribing.set(sessionId, ready);
    try {
      return await ready;
    } catch (error) {
      this.forget(sessionId);
      throw error;
    }
  }

  /**
   * Joins the sessions feed (sessions going live and ending, with their counters). Read the
   * current list over HTTP once this resolves, and again on the feed's `resumed` event. Asking
   * again shares the feed; each caller stops its share with feed.stop().
   */
  async watchSessions(): Promise<SessionsFeed> {
    if (this.#watching) {
      const feed = await this.#watching;
      this.#feedHolders++;
      return feed;
    }
    const feed = new SessionsFeed(async () => {
      // Shared: the feed is left when the last one who asked for it stops.
      if (this.#feed !== feed || --this.#feedHolders > 0) return;
      this.#feed = null;
      this.#watching = null;
      await this.request('sessions.unwatch', {}).catch(() => undefined);
    });
    this.#feed = feed;
    this.#feedHolders = 1;
    this.#watching = this.request('sessions.watch', {}).then(() => feed);
    try {
      return await this.#watching;
    } catch (error) {
      this.#feed = null;
      this.#watching = null;
      throw error;
    }
  }

  /**
   * Drops the transport and lets the client reconnect by itself, resuming every subscription
   * (e.g. after the device changed networks).
   */
  reconnect(): void {
    this.#socket.io.engine?.close();
  }

  close(): void {
    this.#subscriptions.clear();
    this.#subscribing.clear();
    this.#feed = null;
    this.#watching = null;
    this.#socket.disconnect();
  }

  /** @internal */
  forget(sessionId: string): void {
    this.#subscriptions.delete(sessionId);
    this.#subscribing.delete(sessionId);
  }

  /** @internal Emits an event and resolves with its acknowledgement, or rejects with its error code. */
  async request<E extends keyof ClientToServerEvents, T>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<T> {
    if (!this.#socket.connected) throw new RealtimeRequestError({ code: 'DISCONNECTED', message: 'not connected' });
    const emitter = this.#socket.timeout(this.#options.ackTimeoutMs ?? 10_000) as unknown as {
      emit: (event: string, payload: unknown, cb: (err: Error | null, res: Ack<T>) => void) => void;
    };
    const res = await new Promise<Ack<T>>((resolve, reject) => {
      emitter.emit(event, payload, (err, response) => {
        if (err) reject(new RealtimeRequestError({ code: 'TIMEOUT', message: `no answer to ${event}` }));
        else resolve(response);
      });
    });
    if (!res.ok) throw new RealtimeRequestError(res.error);
    return res as T;
  }
}

async function resolveToken(token: RealtimeOptions['token']): Promise<string | undefined> {
  return typeof token === 'function' ? token() : token;
}
