import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { type Effect, runAtOf } from '../effects/effect.ts';
import type { EffectRunner } from '../effects/effect-runner.ts';
import { recordEffects } from '../effects/outbox.repository.ts';
import { recordEvents, type SessionEventInput } from '../events/events.repository.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import type { FactsCache } from './facts-cache.ts';
import { type FactsRequest, loadFacts, type SessionFacts } from './session-facts.ts';

/** The channel every instance LISTENs on for changes to join facts: payload '<sessionId>:<version>'. */
export const FACTS_CHANNEL = 'golive_facts';

/** Bumps the session's facts version and announces it; NOTIFY is delivered when the transaction commits. */
async function announceFactsChange(trx: Transaction<Database>, sessionId: string): Promise<bigint> {
  const row = await sql<{ version: string }>`
    with bumped as (update sessions set facts_version = facts_version + 1 where id = ${sessionId} returning facts_version)
    select facts_version::text as version, pg_notify(${FACTS_CHANNEL}, ${sessionId} || ':' || facts_version) from bumped`.execute(trx);
  return BigInt(row.rows[0]?.version ?? '0');
}

/** A push that may be lost without harm (counters, chat fan-out): clients re-sync on their own. */
export type Notification = (broadcaster: SessionBroadcaster) => void;

export type WorkContext = {
  trx: Transaction<Database>;
  /** The session as it is under the lock; it cannot change until commit. */
  facts: SessionFacts;
  /** Recorded in this transaction; carried out after commit, at once and retried until done. */
  effect(...effects: Effect[]): void;
  /**
   * An entry in the session's audit log, written before commit with its sequence number; every
   * webhook endpoint that takes its type gets a delivery, recorded and run like an effect.
   */
  event(event: SessionEventInput): void;
  /** Sent after commit, best effort. */
  notify(notification: Notification): void;
  /**
   * This change alters what join decides on (status, settings, roles, bans): every instance's
   * cached copy of the session's facts is dropped when it commits (work/facts-cache.ts).
   */
  changedJoinFacts(): void;
};

export type StartContext = Omit<WorkContext, 'facts' | 'changedJoinFacts'>;

export type UnitOfWorkDeps = {
  db: Kysely<Database>;
  runner: EffectRunner;
  broadcaster: SessionBroadcaster;
  /** This instance's copy of join facts, dropped when a change to them commits. */
  factsCache: FactsCache;
  logger: Logger;
};

/**
 * The single way to change a session. Every writer (sessions, stage, moderation, chat, webhooks,
 * the reconciler and jobs) goes through `change`:
 *
 *   1. take the session row lock (SELECT … FOR UPDATE);
 *   2. load the session's facts with it (loadFacts);
 *   3. authorize against those facts under the lock (policy/policy.ts, called by `work`);
 *   4. write (and collect the audit events, w.event);
 *   5. record the events, their webhook deliveries and the effects, in the same transaction;
 *   then commit, and only then run the effects and notifications. No network call (LiveKit,
 *   Redis) happens while the transaction is open.
 *
 * Lock order, the same in every transaction, so two never wait on each other in a cycle:
 *   host advisory lock (session start only) → the session row → that session's other rows
 *   (connections, roles, requests, bans, messages, webhook ids) → outbox rows.
 * No transaction locks two sessions' rows.
 */
export class UnitOfWork {
  readonly #deps: UnitOfWorkDeps;

  constructor(deps: UnitOfWorkDeps) {
    this.#deps = deps;
  }

  /** Changes one session under its row lock. */
  async change<T>(sessionId: string, request: FactsRequest, work: (w: WorkContext) => Promise<T>): Promise<T> {
    let factsChanged = false;
    let version: bigint | null = null;
    const result = await this.#run(async (trx, ctx) => {
      const facts = await loadFacts(trx, sessionId, request, true);
      const value = await work({ ...ctx, facts, changedJoinFacts: () => (factsChanged = true) });
      if (factsChanged) version = await announceFactsChange(trx, sessionId);
      return value;
    });
    if (factsChanged) this.#deps.factsCache.invalidate(sessionId, version ?? undefined);
    return result;
  }

  /**
   * Starts a session: there is no row to lock yet, so the host's advisory lock serializes starts by
   * the same host (one live session per host, cooldown), taken before any row lock.
   */
  async start<T>(hostId: string, work: (w: StartContext) => Promise<T>): Promise<T> {
    return this.#run(async (trx, ctx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`host:${hostId}`}, 0))`.execute(trx);
      return work(ctx);
    });
  }

  /** The session's facts without a lock, for reads (join, subscribe, get): a consistent snapshot. */
  async read(sessionId: string, request: FactsRequest): Promise<SessionFacts> {
    return loadFacts(this.#deps.db, sessionId, request, false);
  }

  async #run<T>(body: (trx: Transaction<Database>, ctx: StartContext) => Promise<T>): Promise<T> {
    const effects: Effect[] = [];
    const events: SessionEventInput[] = [];
    const notifications: Notification[] = [];
    const { result, ids, deliveries } = await this.#deps.db.transaction().execute(async (trx) => {
      const result = await body(trx, {
        trx,
        effect: (...more) => effects.push(...more),
        event: (event) => events.push(event),
        notify: (n) => notifications.push(n),
      });
      const deliveries = await recordEvents(trx, events);
      const ids = await recordEffects(trx, effects);
      return { result, ids, deliveries };
    });
    this.#afterCommit(effects, ids, deliveries, notifications);
    return result;
  }

  #afterCommit(effects: Effect[], ids: string[], deliveries: string[], notifications: Notification[]): void {
    const now: string[] = [...deliveries];
    effects.forEach((effect, i) => {
      const id = ids[i];
      if (id === undefined) return;
      const at = runAtOf(effect);
      if (at && at.getTime() > Date.now()) this.#deps.runner.wake(at.getTime());
      else now.push(id);
    });
    void this.#deps.runner.runNow(now);
    for (const notification of notifications) {
      try {
        notification(this.#deps.broadcaster);
      } catch (error) {
        this.#deps.logger.warn({ err: error }, 'a realtime notification failed after commit');
      }
    }
  }
}
