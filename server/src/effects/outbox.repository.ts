import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type Effect, type EffectKind, orderingKeyOf, runAtOf } from './effect.ts';

export type ClaimedEffect = { id: string; effect: Effect; attempts: number; createdAt: Date };

type Db = Kysely<Database>;

/** Writes effects in the caller's transaction, so they exist exactly when the change does. */
export async function recordEffects(trx: Transaction<Database>, effects: readonly Effect[]): Promise<string[]> {
  if (effects.length === 0) return [];
  const rows = await trx
    .insertInto('outbox')
    .values(
      effects.map((effect) => {
        const runAt = runAtOf(effect);
        return {
          kind: effect.kind,
          payload: JSON.stringify(effect),
          session_id: 'sessionId' in effect ? effect.sessionId : null,
          ordering_key: orderingKeyOf(effect),
          ...(runAt ? { run_after: runAt } : {}),
        };
      }),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * An effect may start when it is pending, due, not leased by a live runner, and no earlier effect
 * with its ordering key is still pending (except those claimed together with it).
 */
const claimable = (alsoClaimed: string[]) => sql<boolean>`
  outbox.status = 'pending' and outbox.run_after <= now()
  and (outbox.locked_until is null or outbox.locked_until < now())
  and (outbox.ordering_key is null or not exists (
    select 1 from outbox earlier where earlier.ordering_key = outbox.ordering_key
      and earlier.status = 'pending' and earlier.id < outbox.id
      and not (earlier.id = any(${alsoClaimed}::bigint[]))))`;

/**
 * The committing instance claims its own effects at once (fast path). `together`: the ids are one
 * change's fresh effects, so a later one may be claimed with an earlier one of its key (the runner
 * runs them in order); that holds only for fresh ones, all due and never tried: an id that waits for
 * a retry must not let a later one past it, so ids retried later are claimed without it.
 */
export async function claimByIds(
  db: Db,
  ids: string[],
  holder: string,
  leaseMs: number,
  options: { together: boolean },
): Promise<ClaimedEffect[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('outbox')
    .set({ locked_until: sql`now() + make_interval(secs => ${leaseMs / 1000})`, locked_by: holder, attempts: sql`attempts + 1` })
    .where('id', 'in', ids)
    .where(claimable(options.together ? ids : []))
    .returning(['id', 'payload', 'attempts', 'created_at', 'ordering_key'])
    .execute();
  const claimed = rows.sort(byId);
  if (!options.together || claimed.length === ids.length) return claimed.map(toClaimed);
  // An earlier id of the change that another runner claimed first (a worker's poll) is still
  // running, maybe failing: a later one of its key must wait for it, not run beside it.
  const got = new Set(claimed.map((r) => String(r.id)));
  const others = await db
    .selectFrom('outbox')
    .select(['id', 'ordering_key'])
    .where(
      'id',
      'in',
      ids.filter((id) => !got.has(id)),
    )
    .where('status', '=', 'pending')
    .where('ordering_key', 'is not', null)
    .execute();
  const heldBack = claimed.filter((r) => others.some((o) => o.ordering_key === r.ordering_key && BigInt(o.id) < BigInt(r.id)));
  await Promise.all(heldBack.map((r) => deferEffect(db, String(r.id), holder, new Date())));
  return claimed.filter((r) => !heldBack.includes(r)).map(toClaimed);
}

/** A worker's poll: due effects nobody holds, skipping rows another worker is claiming. */
export async function claimDue(db: Db, holder: string, leaseMs: number, limit: number): Promise<ClaimedEffect[]> {
  const rows = await sql<{ id: string; payload: unknown; attempts: number; created_at: Date | string }>`
    with picked as (
      select id from outbox
      where ${claimable([])}
      order by id
      limit ${limit}
      for update skip locked
    )
    update outbox set locked_until = now() + make_interval(secs => ${leaseMs / 1000}), locked_by = ${holder}, attempts = attempts + 1
    from picked where outbox.id = picked.id
    returning outbox.id, outbox.payload, outbox.attempts, outbox.created_at`.execute(db);
  return rows.rows.map(toClaimed).sort(byId);
}

/**
 * Extends a held claim (the next effect of a lane, about to run after the ones before it took
 * their time); false when the claim was lost meanwhile and another runner may have the effect.
 */
export async function renewLease(db: Db, id: string, holder: string, leaseMs: number): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ locked_until: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .where('status', '=', 'pending')
    .where('locked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Marks an effect done; only its current holder can, so a runner whose lease expired changes nothing. */
export async function completeEffect(db: Db, id: string, holder: string): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ status: 'done', done_at: sql`now()`, locked_until: null, last_error: null })
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Retries later (nextRunAt), or gives up (null): a failed effect no longer holds back its ordering key. */
export async function failEffect(db: Db, id: string, holder: string, error: string, nextRunAt: Date | null): Promise<void> {
  await db
    .updateTable('outbox')
    .set(
      nextRunAt
        ? { run_after: nextRunAt, locked_until: null, locked_by: null, last_error: error }
        : { status: 'failed', done_at: sql`now()`, locked_until: null, last_error: error },
    )
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .where('status', '=', 'pending')
    .execute();
}

/** Not due yet (a scheduled job found early): back to pending at `at`, the attempt not counted. */
export async function deferEffect(db: Db, id: string, holder: string, at: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ run_after: at, locked_until: null, locked_by: null, attempts: sql`greatest(attempts - 1, 0)` })
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .where('status', '=', 'pending')
    .execute();
}

/** When the next pending effect becomes due, if any. */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('run_after').as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}

export type OutboxStats = { pending: number; oldestPendingAgeSec: number; byKind: Record<string, number> };

/** Queue depth and the age of the oldest due effect, for metrics. */
export async function outboxStats(db: Db): Promise<OutboxStats> {
  const rows = await db
    .selectFrom('outbox')
    .select(['kind', (eb) => eb.fn.countAll<string>().as('n')])
    .select(sql<string | null>`extract(epoch from now() - min(run_after) filter (where run_after <= now()))`.as('age'))
    .where('status', '=', 'pending')
    .groupBy('kind')
    .execute();
  const byKind: Record<string, number> = {};
  let pending = 0;
  let oldest = 0;
  for (const r of rows) {
    byKind[r.kind] = Number(r.n);
    pending += Number(r.n);
    oldest = Math.max(oldest, Number(r.age ?? 0));
  }
  return { pending, oldestPendingAgeSec: oldest, byKind };
}

/** Forgets finished effects after the retention period (kinds with a retention of their own excepted). */
export async function pruneEffects(db: Db, olderThanSec: number, options: { exceptKinds?: EffectKind[] } = {}): Promise<void> {
  let q = db.deleteFrom('outbox');
  if (options.exceptKinds?.length) q = q.where('kind', 'not in', options.exceptKinds);
  await q.where('status', '<>', 'pending').where('done_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSec})`).execute();
}

export type { EffectKind };

function toClaimed(row: { id: string; payload: unknown; attempts: number; created_at: Date | string }): ClaimedEffect {
  const effect = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Effect;
  return { id: String(row.id), effect, attempts: row.attempts, createdAt: new Date(row.created_at) };
}

function byId(a: { id: string }, b: { id: string }): number {
  return Number(BigInt(a.id) - BigInt(b.id)) || 0;
}
