import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { type RateLimits, tryConsume } from '../realtime/rate-limits.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { readSettings } from '../sessions/settings.ts';

export type ReactionsPolicy = {
  /** The allowed reactions, e.g. ❤️ 🔥 👏 😂 😮. */
  set: string[];
  ratePoints: number;
  rateWindowSec: number;
  /** Taps are gathered and broadcast as one burst per session per interval. */
  flushIntervalMs: number;
};

export type ReactionsServiceDeps = {
  db: Kysely<Database>;
  rateLimits: RateLimits;
  broadcaster: SessionBroadcaster;
  policy: ReactionsPolicy;
  logger: Logger;
};

/** How long a session's "reactions on?" answer is reused before asking the database again. */
const SETTINGS_TTL_MS = 1_000;

/**
 * Reactions: rate-limited taps are counted in memory and flushed a few times a second as one
 * burst per session (counts, not one frame per tap), adding to the running totals in PostgreSQL.
 */
export class ReactionsService {
  readonly #deps: ReactionsServiceDeps;
  readonly #limiter: RateLimiterAbstract;
  readonly #pending = new Map<string, Map<string, number>>();
  readonly #settingsCache = new Map<string, { enabled: boolean; live: boolean; at: number }>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;

  constructor(deps: ReactionsServiceDeps) {
    this.#deps = deps;
    this.#limiter = deps.rateLimits.create('reaction', deps.policy.ratePoints, deps.policy.rateWindowSec);
  }

  get set(): string[] {
    return this.#deps.policy.set;
  }

  async react(userId: string, sessionId: string, emoji: string): Promise<void> {
    if (!this.#deps.policy.set.includes(emoji)) throw new Errors.reactionUnknown(emoji, this.#deps.policy.set.join(' '));
    const state = await this.#sessionState(sessionId);
    if (!state.live) throw new Errors.sessionEnded(sessionId);
    if (!state.enabled) throw new Errors.reactionsDisabled();
    const wait = await tryConsume(this.#limiter, `${sessionId}:${userId}`);
    if (wait !== null) throw Object.assign(new Errors.rateLimited(`${Math.ceil(wait / 1000)} s`), { retryAfterMs: wait });
    const counts = this.#pending.get(sessionId) ?? new Map<string, number>();
    counts.set(emoji, (counts.get(emoji) ?? 0) + 1);
    this.#pending.set(sessionId, counts);
    this.#timer ??= setTimeout(() => void this.flush(), this.#deps.policy.flushIntervalMs);
  }

  /** Settings changed somewhere: drop the cached answer for this session. */
  forget(sessionId: string): void {
    this.#settingsCache.delete(sessionId);
  }

  async totals(sessionId: string): Promise<Record<string, number>> {
    const rows = await this.#deps.db.selectFrom('reaction_totals').select(['emoji', 'count']).where('session_id', '=', sessionId).execute();
    return Object.fromEntries(rows.map((r) => [r.emoji, Number(r.count)]));
  }

  /** Writes and broadcasts everything pending. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flushing;
    const batch = new Map(this.#pending);
    this.#pending.clear();
    this.#flushing = this.#write(batch).finally(() => {
      this.#flushing = null;
    });
    await this.#flushing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }

  async #write(batch: Map<string, Map<string, number>>): Promise<void> {
    for (const [sessionId, counts] of batch) {
      try {
        await this.#deps.db
          .insertInto('reaction_totals')
          .values([...counts].map(([emoji, count]) => ({ session_id: sessionId, emoji, count })))
          .onConflict((oc) =>
            oc
              .columns(['session_id', 'emoji'])
              .doUpdateSet((eb) => ({ count: eb('reaction_totals.count', '+', eb.ref('excluded.count')) })),
          )
          .execute();
        this.#deps.broadcaster.reactions({ sessionId, counts: Object.fromEntries(counts), totals: await this.totals(sessionId) });
      } catch (error) {
        this.#deps.logger.warn({ err: error, sessionId }, 'could not record reactions');
      }
    }
  }

  async #sessionState(sessionId: string): Promise<{ enabled: boolean; live: boolean }> {
    const cached = this.#settingsCache.get(sessionId);
    if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached;
    const row = await this.#deps.db.selectFrom('sessions').select(['status', 'settings']).where('id', '=', sessionId).executeTakeFirst();
    if (!row) throw new Errors.sessionNotFound(sessionId);
    const state = { enabled: readSettings(row.settings).reactionsEnabled, live: row.status === 'live', at: Date.now() };
    this.#settingsCache.set(sessionId, state);
    return state;
  }
}
