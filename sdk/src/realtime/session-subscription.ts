import type {
  ChatMessage,
  Counters,
  ParticipantRole,
  ReactionBurst,
  SessionSettingsView,
  StageRequest,
  SubscribeResult,
} from './protocol.ts';

/** What a subscription tells its listeners. */
export type SubscriptionEvents = {
  /** A new message, in seq order, never twice. */
  message: (message: ChatMessage) => void;
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
  /** This user was kicked or banned: the subscription is over. */
  removed: (event: { reason: 'kicked' | 'banned'; message: string | null }) => void;
  /** The connection came back and missed messages were replayed. */
  resumed: (info: { replayed: number; truncated: boolean }) => void;
};

type Listeners = { [K in keyof SubscriptionEvents]: Set<SubscriptionEvents[K]> };

/** Ordering state for one session's chat: applies messages in seq order exactly once. */
export class ChatTimeline {
  #lastSeq = 0;
  readonly #pending = new Map<number, ChatMessage>();
  readonly #messages: ChatMessage[] = [];

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** True when messages are waiting for an earlier seq that has not arrived. */
  get hasGap(): boolean {
    return this.#pending.size > 0;
  }

  /** Applies a snapshot (subscribe or resume); returns the messages that were new. */
  applySnapshot(snapshot: Pick<SubscribeResult, 'messages' | 'headSeq' | 'deletedMessageIds'>): ChatMessage[] {
    for (const id of snapshot.deletedMessageIds) this.remove(id);
    const fresh = snapshot.messages.filter((m) => m.seq > this.#lastSeq).sort((a, b) => a.seq - b.seq);
    this.#messages.push(...fresh);
    this.#lastSeq = Math.max(this.#lastSeq, snapshot.headSeq, ...fresh.map((m) => m.seq));
    // Live messages that raced the snapshot may now be next in line.
    return [...fresh, ...this.#drain()];
  }

  /** Applies a live message; returns the messages that became deliverable (in order). */
  applyLive(message: ChatMessage): ChatMessage[] {
    if (message.seq <= this.#lastSeq) return [];
    this.#pending.set(message.seq, message);
    return this.#drain();
  }

  /** Removes a deleted message; true when it was present. */
  remove(messageId: string): boolean {
    const index = this.#messages.findIndex((m) => m.id === messageId);
    if (index >= 0) this.#messages.splice(index, 1);
    for (const [seq, m] of this.#pending) if (m.id === messageId) this.#pending.delete(seq);
    return index >= 0;
  }

  #drain(): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (;;) {
      const next = this.#pending.get(this.#lastSeq + 1);
      if (!next) break;
      this.#pending.delete(next.seq);
      this.#messages.push(next);
      this.#lastSeq = next.seq;
      out.push(next);
    }
    // Anything at or below lastSeq now is a duplicate.
    for (const seq of this.#pending.keys()) if (seq <= this.#lastSeq) this.#pending.delete(seq);
    return out;
  }
}

/** Typed listener sets, shared by the subscription classes. */
export function createListeners(): Listeners {
  return {
    message: new Set(),
    deleted: new Set(),
    pinned: new Set(),
    counters: new Set(),
    settings: new Set(),
    reactions: new Set(),
    ended: new Set(),
    stageRequest: new Set(),
    role: new Set(),
    removed: new Set(),
    resumed: new Set(),
  };
}

export function emit<K extends keyof SubscriptionEvents>(listeners: Listeners, event: K, ...args: Parameters<SubscriptionEvents[K]>): void {
  for (const listener of listeners[event]) (listener as (...a: Parameters<SubscriptionEvents[K]>) => void)(...args);
}

export type { Listeners };
