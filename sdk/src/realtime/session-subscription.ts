import { applyChatSnapshot, applyLiveMessage, type ChatTimeline, EMPTY_TIMELINE, hasGap, removeMessages } from '../store/chat-timeline.ts';
import type {
  ChatMessage,
  ClientToServerEvents,
  Counters,
  IngestStatus,
  ParticipantRole,
  Permissions,
  ReactionBurst,
  RecordingState,
  SessionSettingsView,
  StageRequest,
  SubscribeResult,
} from './protocol.ts';

/** What a subscription tells its listeners. */
export type SubscriptionEvents = {
  /** A new message, in seq order, never twice. */
  message: (message: ChatMessage) => void;
  /** The chat timeline changed (messages delivered or deleted): the new immutable value. */
  chat: (timeline: ChatTimeline) => void;
  deleted: (messageId: string) => void;
  pinned: (message: ChatMessage | null) => void;
  counters: (counters: Counters) => void;
  settings: (settings: SessionSettingsView) => void;
  reactions: (burst: ReactionBurst) => void;
  ended: (event: { reason: string; endedAt: string }) => void;
  /** A stage request or invite was created or changed (moderators see all; others their own). */
  stageRequest: (request: StageRequest) => void;
  /** Someone's role changed; for the local user this follows new LiveKit grants. */
  role: (event: { userId: string; role: ParticipantRole }) => void;
  /** What I may do changed (my role or a setting): the server's new answer. */
  permissions: (event: { role: ParticipantRole; permissions: Permissions }) => void;
  /** This user was kicked or banned: the subscription is over. */
  removed: (event: { reason: 'kicked' | 'banned'; message: string | null }) => void;
  /** The ingest changed state, or got fresh figures (host and admins only); null: it was deleted. */
  ingest: (ingest: IngestStatus | null) => void;
  /** A recording started (its state) or stopped (null): everyone in the session is told (consent). */
  recording: (recording: RecordingState | null) => void;
  /** Subscribed again (after a reconnect or a gap): missed messages were replayed, state re-read. */
  resumed: (info: { replayed: number; truncated: boolean }) => void;
};

type Listeners = { [K in keyof SubscriptionEvents]: Set<SubscriptionEvents[K]> };

/** What a subscription needs from its connection (GoliveRealtime). */
export type SubscriptionTransport = {
  request<E extends keyof ClientToServerEvents, T>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<T>;
  forget(sessionId: string): void;
};

/** One session's live state and actions, on one realtime connection. */
export class SessionSubscription {
  readonly sessionId: string;
  /** The chat so far, in seq order (an immutable value, replaced on every change). */
  chat: ChatTimeline = EMPTY_TIMELINE;
  pinned: ChatMessage | null = null;
  counters: { viewerCount: number; peakViewers: number } = { viewerCount: 0, peakViewers: 0 };
  settings: SessionSettingsView | null = null;
  reactionTotals: Record<string, number> = {};
  reactionSet: string[] = [];
  /** What the caller may do, and their role: the subscribe answer, then every `session.permissions` push. */
  permissions: Permissions | null = null;
  role: ParticipantRole | null = null;
  ended: { reason: string; endedAt: string } | null = null;
  /**
   * The session's ingest (OBS or an encoder), for the host and admins: null when there is none,
   * undefined for everyone else (and servers that predate ingest).
   */
  ingest: IngestStatus | null | undefined = undefined;
  /** The recording in progress; null when the session is not being recorded. */
  recording: RecordingState | null = null;
  /** Set when this user was kicked or banned from the session. */
  removed: { reason: 'kicked' | 'banned'; message: string | null } | null = null;
  readonly #transport: SubscriptionTransport;
  readonly #listeners: Listeners = {
    message: new Set(),
    chat: new Set(),
    deleted: new Set(),
    pinned: new Set(),
    counters: new Set(),
    settings: new Set(),
    reactions: new Set(),
    ended: new Set(),
    stageRequest: new Set(),
    role: new Set(),
    permissions: new Set(),
    removed: new Set(),
    ingest: new Set(),
    recording: new Set(),
    resumed: new Set(),
  };
  readonly #gapTimeoutMs: number;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #subscribed = false;
  #holders = 1;
  /**
   * State pushes that arrive while a subscribe is in flight: the server joins the session's room
   * before it reads the answer, so a push can come before an answer read before its change. They
   * are applied in order on top of the answer, so the newest pushed state wins.
   */
  #resuming = 0;
  readonly #held: (() => void)[] = [];

  constructor(sessionId: string, transport: SubscriptionTransport, gapTimeoutMs: number) {
    this.sessionId = sessionId;
    this.#transport = transport;
    this.#gapTimeoutMs = gapTimeoutMs;
  }

  get messages(): readonly ChatMessage[] {
    return this.chat.messages;
  }

  on<K extends keyof SubscriptionEvents>(event: K, listener: SubscriptionEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Sends a message; resolves once it is saved, with its id and seq. */
  async send(text: string, options: { clientId?: string } = {}): Promise<ChatMessage> {
    const res = await this.#transport.request<'chat.send', { message: ChatMessage }>('chat.send', {
      sessionId: this.sessionId,
      text,
      clientId: options.clientId ?? randomId(),
    });
    return res.message;
  }

  async react(emoji: string): Promise<void> {
    await this.#transport.request('reaction.send', { sessionId: this.sessionId, emoji });
  }

  /** @internal another subscriber shares this subscription. */
  retain(): void {
    this.#holders++;
  }

  /** Leaves the session once every subscriber that shares this subscription has left. */
  async unsubscribe(): Promise<void> {
    this.#holders--;
    if (this.#holders > 0) return;
    this.#transport.forget(this.sessionId);
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    await this.#transport.request('session.unsubscribe', { sessionId: this.sessionId }).catch(() => undefined);
  }

  /** (Re)subscribes, asking for everything after the last delivered message. */
  async resume(): Promise<void> {
    const first = !this.#subscribed;
    this.#resuming += 1;
    let resumed: { replayed: number; truncated: boolean };
    try {
      const result = await this.#transport.request<'session.subscribe', SubscribeResult>('session.subscribe', {
        sessionId: this.sessionId,
        ...(first ? {} : { sinceSeq: this.chat.lastSeq }),
      });
      this.#subscribed = true;
      resumed = { replayed: this.#applyAnswer(result, first), truncated: result.truncated };
    } finally {
      this.#resuming -= 1;
      if (this.#resuming === 0) for (const push of this.#held.splice(0)) push();
    }
    if (!first) this.#emit('resumed', resumed);
  }

  /** Takes the subscribe answer's state; answers how many messages it delivered. */
  #applyAnswer(result: SubscribeResult, first: boolean): number {
    const step = applyChatSnapshot(this.chat, result);
    this.chat = step.timeline;
    this.pinned = result.pinned;
    this.counters = { viewerCount: result.session.viewerCount, peakViewers: result.session.peakViewers };
    this.settings = result.session.settings;
    this.reactionTotals = result.reactionTotals;
    this.reactionSet = result.reactions;
    this.permissions = result.permissions;
    this.role = result.role;
    this.ingest = result.ingest;
    const recording = (result as Partial<SubscribeResult>).recording ?? null;
    if (recording?.id !== this.recording?.id) {
      this.recording = recording;
      if (!first) this.#emit('recording', recording);
    }
    for (const id of step.removed) this.#emit('deleted', id);
    for (const m of step.delivered) this.#emit('message', m);
    if (step.removed.length > 0 || step.delivered.length > 0) this.#emit('chat', this.chat);
    return step.delivered.length;
  }

  /** @internal A push of state: applied now, or after the subscribe answer in flight (see #held). */
  afterAnswer(push: () => void): void {
    if (this.#resuming > 0) this.#held.push(push);
    else push();
  }

  /** @internal */
  onMessage(message: ChatMessage): void {
    const step = applyLiveMessage(this.chat, message);
    this.chat = step.timeline;
    for (const m of step.delivered) this.#emit('message', m);
    if (step.delivered.length > 0) this.#emit('chat', this.chat);
    if (hasGap(this.chat) && !this.#gapTimer) {
      // A message is missing (another instance's broadcast may simply be late): re-sync if it stays missing.
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = null;
        if (hasGap(this.chat)) void this.resume().catch(() => undefined);
      }, this.#gapTimeoutMs);
    }
  }

  /** @internal */
  onDeleted(messageId: string): void {
    this.chat = removeMessages(this.chat, [messageId]).timeline;
    this.#emit('deleted', messageId);
    this.#emit('chat', this.chat);
  }

  /** @internal */
  onPinned(message: ChatMessage | null): void {
    this.pinned = message;
    this.#emit('pinned', message);
  }

  /** @internal */
  onCounters(counters: Counters): void {
    this.counters = { viewerCount: counters.viewerCount, peakViewers: counters.peakViewers };
    this.#emit('counters', counters);
  }

  /** @internal */
  onSettings(settings: SessionSettingsView): void {
    this.settings = settings;
    this.#emit('settings', settings);
  }

  /** @internal */
  onReactions(burst: ReactionBurst): void {
    this.reactionTotals = burst.totals;
    this.#emit('reactions', burst);
  }

  /** @internal */
  emitEvent<K extends 'stageRequest' | 'role'>(event: K, ...args: Parameters<SubscriptionEvents[K]>): void {
    this.#emit(event, ...args);
  }

  /** @internal */
  onPermissions(event: { role: ParticipantRole; permissions: Permissions }): void {
    this.role = event.role;
    this.permissions = event.permissions;
    this.#emit('permissions', event);
  }

  /** @internal */
  onIngest(ingest: IngestStatus | null): void {
    this.ingest = ingest;
    this.#emit('ingest', ingest);
  }

  /** @internal */
  onRecording(recording: RecordingState): void {
    this.recording = recording;
    this.#emit('recording', recording);
  }

  /** @internal */
  onRecordingStopped(recordingId: string): void {
    // A stop of an older recording arriving after a newer one started changes nothing.
    if (this.recording && this.recording.id !== recordingId) return;
    this.recording = null;
    this.#emit('recording', null);
  }

  /** @internal */
  onRemoved(event: { reason: 'kicked' | 'banned'; message: string | null }): void {
    this.removed = event;
    this.#transport.forget(this.sessionId);
    this.#emit('removed', event);
  }

  /** @internal */
  onEnded(event: { reason: string; endedAt: string }): void {
    this.ended = event;
    this.#transport.forget(this.sessionId);
    this.#emit('ended', event);
  }

  #emit<K extends keyof SubscriptionEvents>(event: K, ...args: Parameters<SubscriptionEvents[K]>): void {
    for (const listener of this.#listeners[event]) (listener as (...a: Parameters<SubscriptionEvents[K]>) => void)(...args);
  }
}

/** A client id for idempotent sends; React Native has no crypto.randomUUID without a polyfill. */
function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
