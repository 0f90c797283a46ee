import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';
import { EffectFailure, type EffectKind, type EffectOf, orderingKeyOf, type RetryPolicy, retryDelayMs, retryPolicyOf } from './effect.ts';
import {
  type ClaimedEffect,
  claimByIds,
  claimDue,
  completeEffect,
  deferEffect,
  failEffect,
  nextDueAt,
  renewLease,
} from './outbox.repository.ts';

/** How often an effect held back by its ordering key is tried again locally before the polls take it. */
const MAX_LOCAL_RETRIES = 5;

/** Which run of which outbox row a handler is carrying out. */
export type EffectRun = {
  /** The outbox row's id. */
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** When this effect would be tried again if this attempt fails (null: it would not), at the earliest `notBefore`. */
  retryAt(notBefore?: Date | null): Date | null;
};

/**
 * A handler resolves when its effect is done. It may resolve to { deferUntil } to run again later
 * without that counting as a failure (a scheduled job found early); anything else is ignored. It
 * may throw an EffectFailure to choose the next attempt itself (or none).
 */
export type EffectHandlers = { [K in EffectKind]: (effect: EffectOf<K>, run: EffectRun) => Promise<unknown> };

function deferralOf(result: unknown): Date | null {
  const at = (result as { deferUntil?: unknown } | null | undefined)?.deferUntil;
  return at instanceof Date ? at : null;
}

export type EffectRunnerOptions = {
  db: Kysely<Database>;
  handlers: EffectHandlers;
  metrics: Metrics;
  logger: Logger;
  /** This process, as recorded in locked_by. */
  holder: string;
  /** How long a claim holds before another runner may take the effect over (a crashed holder). */
  leaseMs: number;
  /** Most time between two polls of a worker. */
  pollIntervalMs: number;
  /** Effects claimed per poll. */
  batchSize?: number;
  /** Retry policies that differ from retryPolicyOf's defaults (the webhook schedule from the config). */
  retryPolicies?: Partial<Record<EffectKind, RetryPolicy>>;
};

/**
 * Carries out committed effects: at once on the instance that committed (runNow), and by polling
 * on instances with the worker role, so an effect whose committer crashed, or that failed, still
 * happens. Claims are leases in the outbox row, so each effect runs on one runner at a time.
 */
export class EffectRunner {
  readonly #o: EffectRunnerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /**
   * Effects this instance committed but could not claim yet (an earlier one with their key still
   * runs), with how often that happened: they are tried again when a local effect finishes, a few
   * times, and otherwise left to the workers' polls.
   */
  readonly #waiting = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #nextPollAt = 0;
  #polling = false;
  #stopped = true;

  constructor(options: EffectRunnerOptions) {
    this.#o = options;
  }

  /**
   * Fast path, right after commit. Never throws: the outbox keeps what could not be done now.
   * `fresh`: the ids were just recorded by one change, so they may be claimed together (a later
   * one behind an earlier one of the same key); ids tried again later are claimed one head at a
   * time, since an earlier one may be waiting for its retry.
   */
  runNow(ids: readonly string[], fresh = true): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.#track(
      (async () => {
        const claimed = await claimByIds(this.#o.db, [...ids], this.#o.holder, this.#o.leaseMs, { together: fresh });
        const got = new Set(claimed.map((c) => c.id));
        for (const id of ids) {
          const tries = (this.#waiting.get(id) ?? 0) + 1;
          this.#waiting.delete(id);
          if (!got.has(id) && tries <= MAX_LOCAL_RETRIES) this.#waiting.set(id, tries);
        }
        await this.#execute(claimed, 'fast');
      })(),
    );
  }

  /** Starts polling (the worker role). */
  start(): void {
    this.#stopped = false;
    this.wake(Date.now());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.idle();
  }

  /** Resolves when nothing this runner started is still running. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Polls at `at` (or sooner if already planned): a scheduled effect just committed, or a retry is due. */
  wake(at: number): void {
    if (this.#stopped) return;
    if (this.#timer && this.#nextPollAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#nextPollAt = at;
    this.#timer = setTimeout(() => void this.#poll(), Math.max(0, at - Date.now()));
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    this.#timer = null;
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    const { db, holder, leaseMs, pollIntervalMs, logger } = this.#o;
    try {
      for (;;) {
        const batch = await claimDue(db, holder, leaseMs, this.#o.batchSize ?? 50);
        if (batch.length === 0) break;
        await this.#track(this.#execute(batch, 'poll'));
      }
      // Anything already due but not claimed is held back (leased elsewhere, or behind its ordering
      // key), so only a future due time brings the next poll forward.
      const due = (await nextDueAt(db))?.getTime() ?? Number.POSITIVE_INFINITY;
      const now = Date.now();
      this.#polling = false;
      this.wake(due > now ? Math.min(due, now + pollIntervalMs) : now + pollIntervalMs);
    } catch (error) {
      this.#polling = false;
      logger.warn({ err: error }, 'outbox poll failed; retrying');
      this.wake(Date.now() + pollIntervalMs);
    }
  }

  /** Effects with one ordering key run one after another, in id order; different keys run side by side. */
  async #execute(claimed: ClaimedEffect[], path: 'fast' | 'poll'): Promise<void> {
    if (claimed.length === 0) return;
    const lanes = new Map<string, ClaimedEffect[]>();
    for (const c of claimed) {
      const key = orderingKeyOf(c.effect) ?? c.id;
      lanes.set(key, [...(lanes.get(key) ?? []), c]);
    }
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (const [i, c] of lane.entries()) {
          // The ones before it may have taken most of the lease (slow webhook receivers): renew it.
          // If it lapsed, it and the rest of the lane are left to whoever claims them next, in order.
          if (i > 0 && !(await renewLease(this.#o.db, c.id, this.#o.holder, this.#o.leaseMs).catch(() => false))) break;
          if (await this.#runOne(c, path)) continue;
          // It failed and will be retried: the later ones wait for it, unclaimed, as if never taken.
          await Promise.all(
            lane.slice(i + 1).map((later) => deferEffect(this.#o.db, later.id, this.#o.holder, new Date()).catch(() => undefined)),
          );
          // Given up, it holds nothing back: the next poll takes them.
          this.wake(Date.now());
          break;
        }
      }),
    );
    if (this.#waiting.size > 0) void this.runNow(this.#drainWaiting(), false);
  }

  #drainWaiting(): string[] {
    return [...this.#waiting.keys()];
  }

  /** Runs one claimed effect; false when it failed (and is retried later, or given up). */
  async #runOne(c: ClaimedEffect, path: 'fast' | 'poll'): Promise<boolean> {
    const { db, holder, handlers, metrics, logger } = this.#o;
    const kind = c.effect.kind;
    metrics.effectStartLag.observe({ kind, path }, Math.max(0, Date.now() - c.createdAt.getTime()) / 1000);
    const started = performance.now();
    const policy = retryPolicyOf(kind, this.#o.retryPolicies);
    const retryAt = (notBefore?: Date | null): Date | null => {
      const delay = retryDelayMs(policy, c.attempts);
      if (delay === null) return null;
      return new Date(Math.max(Date.now() + delay, notBefore?.getTime() ?? 0));
    };
    try {
      const handler = handlers[kind] as (effect: typeof c.effect, run: EffectRun) => Promise<unknown>;
      const deferUntil = deferralOf(await handler(c.effect, { id: c.id, attempt: c.attempts, retryAt }));
      if (deferUntil) {
        await deferEffect(db, c.id, holder, deferUntil);
        this.wake(deferUntil.getTime());
        return true;
      }
      await completeEffect(db, c.id, holder);
      metrics.effectDuration.observe({ kind }, (performance.now() - started) / 1000);
      return true;
    } catch (error) {
      const next = error instanceof EffectFailure ? error.retryAt : retryAt();
      const giveUp = next === null;
      metrics.effectFailures.inc({ kind, final: giveUp ? 'yes' : 'no' });
      logger[giveUp ? 'error' : 'warn'](
        { err: error, effectId: c.id, kind, attempt: c.attempts, retryAt: next?.toISOString() ?? null },
        giveUp ? 'effect failed for good' : 'effect failed; retrying',
      );
      await failEffect(db, c.id, holder, describe(error), next).catch((e) =>
        logger.error({ err: e, effectId: c.id }, 'could not record an effect failure; its lease expires and it is retried'),
      );
      if (next) this.wake(next.getTime());
      return false;
    }
  }

  #track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error) => this.#o.logger.error({ err: error }, 'effect runner failed; the outbox retries'));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return tracked;
  }
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
