import type { Counters, SessionInfo } from './protocol.ts';

/** What the sessions feed tells its listeners. */
export type SessionsFeedEvents = {
  /** A session went live (public ones; admins get private ones too). */
  live: (session: SessionInfo) => void;
  ended: (event: { sessionId: string; endedAt: string }) => void;
  /** A live session's viewer count or peak changed (at most once per second per session). */
  counters: (counters: Counters) => void;
  /**
   * The connection came back and the feed was joined again. Events may have been missed while it
   * was down: read the list again.
   */
  resumed: () => void;
};

type FeedListeners = { [K in keyof SessionsFeedEvents]: Set<SessionsFeedEvents[K]> };

/** The sessions feed of one realtime connection (see GoliveRealtime.watchSessions). */
export class SessionsFeed {
  readonly #listeners: FeedListeners = { live: new Set(), ended: new Set(), counters: new Set(), resumed: new Set() };
  readonly #stop: () => Promise<void>;

  /** @internal */
  constructor(stop: () => Promise<void>) {
    this.#stop = stop;
  }

  on<K extends keyof SessionsFeedEvents>(event: K, listener: SessionsFeedEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Leaves the feed. */
  stop(): Promise<void> {
    return this.#stop();
  }

  /** @internal */
  emit<K extends keyof SessionsFeedEvents>(event: K, ...args: Parameters<SessionsFeedEvents[K]>): void {
    for (const listener of this.#listeners[event]) (listener as (...a: Parameters<SessionsFeedEvents[K]>) => void)(...args);
  }
}
