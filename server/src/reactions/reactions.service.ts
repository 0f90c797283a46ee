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

/** Reactions over time are kept per this much of a session, from its start (as stats buckets are). */
export const REACTION_BUCKET_MS = 10_000;

type SessionState = { enabled: boolean; live: boolean; startedAtMs: number; at: number };
/** Pending taps of one session: bucket number → emoji → count. */
type PendingTaps = Map<number, Map<string, number>>;

/**
 * Reactions: rate-limited taps are counted in memory and flushed a few times a second as one
 * burst per session (counts, not one frame per tap), adding to the running totals in PostgreSQL
 * and to the session's 10 s buckets (the tap's own time decides its bucket), for top moments.
 */
export class ReactionsService {
  readonly #deps: ReactionsServiceDeps;
  readonly #limiter: RateLimiterAbstract;
  readonly #pending = new Map<string, PendingTaps>();
  readonly #settingsCache = new Map<string, SessionState>();
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
    const bucket = Math.floor(Math.max(0, Date.now() - state.startedAtMs) / REACTION_BUCKET_MS);
    const taps: PendingTaps = this.#pending.get(sessionId) ?? new Map();
    const counts = taps.get(bucket) ?? new Map<string, number>();
    counts.set(emoji, (counts.get(emoji) ?? 0) + 1);
    taps.set(bucket, counts);
    this.#pending.set(sessionId, taps);
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

  async #write(batch: Map<string, PendingTaps>): Promise<void> {
    for (const [sessionId, taps] of batch) {
      const counts = new Map<string, number>();
      for (const bucket of taps.values()) for (const [emoji, n] of bucket) counts.set(emoji, (counts.get(emoji) ?? 0) + n);
      try {
        await this.#deps.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('reaction_totals')
            .values([...counts].map(([emoji, count]) => ({ session_id: sessionId, emoji, count })))
            .onConflict((oc) =>
              oc
                .columns(['session_id', 'emoji'])
                .doUpdateSet((eb) => ({ count: eb('reaction_totals.count', '+', eb.ref('excluded.count')) })),
            )
            .execute();
          await trx
            .insertInto('reaction_buckets')
            .values(
              [...taps].flatMap(([bucket, byEmoji]) =>
                [...byEmoji].map(([emoji, count]) => ({ session_id: sessionId, bucket, emoji, count })),
              ),
            )
            .onConflict((oc) =>
              oc
                .columns(['session_id', 'bucket', 'emoji'])
                .doUpdateSet((eb) => ({ count: eb('reaction_buckets.count', '+', eb.ref('excluded.count')) })),
            )
            .execute();
        });
        this.#deps.broadcaster.reactions({ sessionId, counts: Object.fromEntries(counts), totals: await this.totals(sessionId) });
      } catch (error) {
        this.#deps.logger.warn({ err: error, sessionId }, 'could not record reactions');
      }
    }
  }

  async #sessionState(sessionId: string): Promise<SessionState> {
    const cached = this.#settingsCache.get(sessionId);
    if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached;
    const row = await this.#deps.db
      .selectFrom('sessions')
      .select(['status', 'settings', 'started_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row) throw new Errors.sessionNotFound(sessionId);
    const state = {
      enabled: readSettings(row.settings).reactionsEnabled,
      live: row.status === 'live',
      startedAtMs: new Date(row.started_at).getTime(),
      at: Date.now(),
    };
    this.#settingsCache.set(sessionId, state);
    return state;
  }
}
