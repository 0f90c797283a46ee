import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ChatMessage,
  ClientToServerEvents,
  Counters,
  RealtimeError,
  RealtimeErrorCode,
  ServerToClientEvents,
  SessionSettingsView,
  SubscribeResult,
} from './protocol.ts';
import { REALTIME_PATH } from './protocol.ts';
import { ChatTimeline, createListeners, emit, type Listeners, type SubscriptionEvents } from './session-subscription.ts';

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
 * The realtime connection: one Socket.IO socket carrying any number of session subscriptions.
 * It reconnects by itself and resumes each subscription from the last message it delivered,
 * so a client that drops for a while gets what it missed, in order, without duplicates.
 */
export class GoliveRealtime {
  readonly #socket: GoliveSocket;
  readonly #options: RealtimeOptions;
  readonly #subscriptions = new Map<string, SessionSubscription>();

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
      if (this.#socket.recovered) return;
      for (const sub of this.#subscriptions.values()) void sub.resume();
    });
    this.#socket.on('chat.message', (m) => this.#subscriptions.get(m.sessionId)?.onMessage(m));
    this.#socket.on('chat.deleted', (e) => this.#subscriptions.get(e.sessionId)?.onDeleted(e.messageId));
    this.#socket.on('chat.pinned', (e) => this.#subscriptions.get(e.sessionId)?.onPinned(e.message));
    this.#socket.on('session.counters', (c) => this.#subscriptions.get(c.sessionId)?.onCounters(c));
    this.#socket.on('session.settings', (e) => this.#subscriptions.get(e.sessionId)?.onSettings(e.settings));
    this.#socket.on('reactions', (b) => this.#subscriptions.get(b.sessionId)?.onReactions(b));
    this.#socket.on('session.ended', (e) => this.#subscriptions.get(e.sessionId)?.onEnded(e));
    this.#socket.on('stage.request', (e) => this.#subscriptions.get(e.sessionId)?.emitEvent('stageRequest', e.request));
    this.#socket.on('participant.role', (e) => this.#subscriptions.get(e.sessionId)?.emitEvent('role', { userId: e.userId, role: e.role }));
    this.#socket.on('session.removed', (e) => this.#subscriptions.get(e.sessionId)?.onRemoved(e));
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** The underlying socket id (changes on every reconnect). */
  get socketId(): string | undefined {
    return this.#socket.id;
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

  /** Subscribes to a session's chat, reactions, counters and state. */
  async subscribe(sessionId: string): Promise<SessionSubscription> {
    const existing = this.#subscriptions.get(sessionId);
    if (existing) return existing;
    const sub = new SessionSubscription(sessionId, this, this.#options.gapTimeoutMs ?? 500);
    this.#subscriptions.set(sessionId, sub);
    try {
      await sub.resume();
    } catch (error) {
      this.#subscriptions.delete(sessionId);
      throw error;
    }
    return sub;
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
    this.#socket.disconnect();
  }

  /** @internal */
  forget(sessionId: string): void {
    this.#subscriptions.delete(sessionId);
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

/** One session's live state and actions. */
export class SessionSubscription {
  readonly sessionId: string;
  readonly timeline = new ChatTimeline();
  pinned: ChatMessage | null = null;
  counters: { viewerCount: number; peakViewers: number } = { viewerCount: 0, peakViewers: 0 };
  settings: SessionSettingsView | null = null;
  reactionTotals: Record<string, number> = {};
  reactionSet: string[] = [];
  ended: { reason: string; endedAt: string } | null = null;
  /** Set when this user was kicked or banned from the session. */
  removed: { reason: 'kicked' | 'banned'; message: string | null } | null = null;
  readonly #client: GoliveRealtime;
  readonly #listeners: Listeners = createListeners();
  readonly #gapTimeoutMs: number;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #subscribed = false;

  constructor(sessionId: string, client: GoliveRealtime, gapTimeoutMs: number) {
    this.sessionId = sessionId;
    this.#client = client;
    this.#gapTimeoutMs = gapTimeoutMs;
  }

  get messages(): readonly ChatMessage[] {
    return this.timeline.messages;
  }

  on<K extends keyof SubscriptionEvents>(event: K, listener: SubscriptionEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Sends a message; resolves once it is saved, with its id and seq. */
  async send(text: string, options: { clientId?: string } = {}): Promise<ChatMessage> {
    const clientId = options.clientId ?? randomId();
    const res = await this.#client.request<'chat.send', { message: ChatMessage }>('chat.send', {
      sessionId: this.sessionId,
      text,
      clientId,
    });
    return res.message;
  }

  async react(emoji: string): Promise<void> {
    await this.#client.request('reaction.send', { sessionId: this.sessionId, emoji });
  }

  async unsubscribe(): Promise<void> {
    this.#client.forget(this.sessionId);
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    await this.#client.request('session.unsubscribe', { sessionId: this.sessionId }).catch(() => undefined);
  }

  /** (Re)subscribes, asking for everything after the last delivered message. */
  async resume(): Promise<void> {
    const first = !this.#subscribed;
    const result = await this.#client.request<'session.subscribe', SubscribeResult>('session.subscribe', {
      sessionId: this.sessionId,
      ...(first ? {} : { sinceSeq: this.timeline.lastSeq }),
    });
    this.#subscribed = true;
    for (const id of result.deletedMessageIds) if (this.timeline.remove(id)) emit(this.#listeners, 'deleted', id);
    const fresh = this.timeline.applySnapshot(result);
    this.pinned = result.pinned;
    this.counters = { viewerCount: result.session.viewerCount, peakViewers: result.session.peakViewers };
    this.settings = result.session.settings;
    this.reactionTotals = result.reactionTotals;
    this.reactionSet = result.reactions;
    for (const m of fresh) emit(this.#listeners, 'message', m);
    if (!first) emit(this.#listeners, 'resumed', { replayed: fresh.length, truncated: result.truncated });
  }

  /** @internal */
  onMessage(message: ChatMessage): void {
    for (const m of this.timeline.applyLive(message)) emit(this.#listeners, 'message', m);
    if (this.timeline.hasGap && !this.#gapTimer) {
      // A message is missing (another instance's broadcast may simply be late): re-sync if it stays missing.
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = null;
        if (this.timeline.hasGap) void this.resume().catch(() => undefined);
      }, this.#gapTimeoutMs);
    }
  }

  /** @internal */
  onDeleted(messageId: string): void {
    this.timeline.remove(messageId);
    emit(this.#listeners, 'deleted', messageId);
  }

  /** @internal */
  onPinned(message: ChatMessage | null): void {
    this.pinned = message;
    emit(this.#listeners, 'pinned', message);
  }

  /** @internal */
  onCounters(counters: Counters): void {
    this.counters = { viewerCount: counters.viewerCount, peakViewers: counters.peakViewers };
    emit(this.#listeners, 'counters', counters);
  }

  /** @internal */
  onSettings(settings: SessionSettingsView): void {
    this.settings = settings;
    emit(this.#listeners, 'settings', settings);
  }

  /** @internal */
  onReactions(burst: Parameters<SubscriptionEvents['reactions']>[0]): void {
    this.reactionTotals = burst.totals;
    emit(this.#listeners, 'reactions', burst);
  }

  /** @internal */
  emitEvent<K extends 'stageRequest' | 'role'>(event: K, ...args: Parameters<SubscriptionEvents[K]>): void {
    emit(this.#listeners, event, ...args);
  }

  /** @internal */
  onRemoved(event: { reason: 'kicked' | 'banned'; message: string | null }): void {
    this.removed = event;
    this.#client.forget(this.sessionId);
    emit(this.#listeners, 'removed', event);
  }

  /** @internal */
  onEnded(event: { reason: string; endedAt: string }): void {
    this.ended = event;
    this.#client.forget(this.sessionId);
    emit(this.#listeners, 'ended', event);
  }
}

async function resolveToken(token: RealtimeOptions['token']): Promise<string | undefined> {
  return typeof token === 'function' ? token() : token;
}

function randomId(): string {
  return globalThis.crypto.randomUUID();
}
