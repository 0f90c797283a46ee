import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';
import { loadFacts, type SessionFacts } from './session-facts.ts';

/**
 * Each instance's copy of the facts join decides on (the session row, allowlist,
 * every role and ban, the settings), so that a join is a memory read, not a database round trip.
 *
 * Kept current by the unit of work: a change to those facts bumps sessions.facts_version and sends
 * NOTIFY golive_facts '<sessionId>:<version>' in its transaction (delivered at commit), and the
 * committing instance drops its own copy right after commit. How stale a copy can be:
 * - while this instance LISTENs, by the notification's delivery (about a millisecond on one
 *   network);
 * - if the LISTEN connection dies, the cache is emptied and bypassed at once (every read goes to
 *   the database) until LISTEN is back; a connection that dies silently is caught by the
 *   listener's heartbeat, so the bound is heartbeat + its timeout (3 s by default).
 * A copy read concurrently with a change is not kept if a newer version was announced meanwhile.
 */
export class FactsCache {
  readonly #db: Kysely<Database>;
  readonly #metrics: Metrics;
  readonly #entries: LRUCache<string, SessionFacts>;
  /** The newest version announced per session, so a read that raced a change is not cached. */
  readonly #announced = new LRUCache<string, bigint>({ max: 50_000 });
  #trusted: boolean;
  readonly #watchers = new Set<(sessionId: string | null) => void>();

  /** `trusted`: whether invalidations can be relied on from the start (true without other instances). */
  /**
   * `ttlMs`: a copy is also re-read after this long, so the counts a join answer carries are that
   * fresh; what join decides on never waits for it (see the bound above).
   */
  constructor(options: { db: Kysely<Database>; metrics: Metrics; ttlMs: number; maxSessions?: number; trusted: boolean }) {
    this.#db = options.db;
    this.#metrics = options.metrics;
    this.#entries = new LRUCache({ max: options.maxSessions ?? 10_000, ttl: options.ttlMs });
    this.#trusted = options.trusted;
  }

  /** The session's facts (all roles and bans, no presence), from memory when they can be trusted. */
  async get(sessionId: string): Promise<SessionFacts> {
    if (this.#trusted) {
      const hit = this.#entries.get(sessionId);
      if (hit) {
        this.#metrics.factsCache.inc({ result: 'hit' });
        return hit;
      }
    }
    this.#metrics.factsCache.inc({ result: this.#trusted ? 'miss' : 'bypass' });
    const trustedWhenRead = this.#trusted;
    const facts = await loadFacts(this.#db, sessionId, { subjects: 'all' }, false);
    const announced = this.#announced.get(sessionId);
    const version = BigInt(facts.row.facts_version);
    if (trustedWhenRead && this.#trusted && (announced === undefined || version >= announced)) this.#entries.set(sessionId, facts);
    return facts;
  }

  /** A change committed (here, or announced by NOTIFY from anywhere). */
  invalidate(sessionId: string, version?: bigint): void {
    // The committing instance hears of its own change twice (after commit, then by NOTIFY): watchers
    // are told once per version, and not of a version older than one they were told of.
    const news = version === undefined || version > (this.#announced.get(sessionId) ?? -1n);
    if (version !== undefined && news) this.#announced.set(sessionId, version);
    this.#entries.delete(sessionId);
    if (news) for (const watcher of this.#watchers) watcher(sessionId);
  }

  /** The newest facts version announced for the session, if any was. */
  announcedVersion(sessionId: string): bigint | undefined {
    return this.#announced.get(sessionId);
  }

  /**
   * Calls `watcher` after each new invalidation with the session concerned, and with null when
   * notifications may have been missed (LISTEN is back): realtime pushes permissions from it.
   */
  watch(watcher: (sessionId: string | null) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** A NOTIFY payload '<sessionId>:<version>'. */
  onNotify(payload: string): void {
    const at = payload.lastIndexOf(':');
    if (at <= 0) return;
    try {
      this.invalidate(payload.slice(0, at), BigInt(payload.slice(at + 1)));
    } catch {
      this.invalidate(payload.slice(0, at));
    }
  }

  /** Notifications may have been missed: forget everything, and read through until told otherwise. */
  distrust(): void {
    this.#trusted = false;
    this.#entries.clear();
  }

  trust(): void {
    this.#entries.clear();
    this.#trusted = true;
    for (const watcher of this.#watchers) watcher(null);
  }

  get trusted(): boolean {
    return this.#trusted;
  }
}
