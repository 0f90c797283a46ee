import { type Kysely, sql } from 'kysely';
import type { Database, OutboxStatus } from '../db/schema.ts';

type Db = Kysely<Database>;

/** A delivery is the outbox row of a webhook.deliver effect; its status, as admins see it. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';
const STATUS_OF: Record<OutboxStatus, DeliveryStatus> = { pending: 'pending', done: 'succeeded', failed: 'failed' };
const OUTBOX_STATUS: Record<DeliveryStatus, OutboxStatus> = { pending: 'pending', succeeded: 'done', failed: 'failed' };

export type AttemptRecord = {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  nextAttemptAt: Date | null;
};

/** Logs one attempt. The log holds what happened, never a secret or a body. */
export async function recordAttempt(db: Db, a: AttemptRecord): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values({
      delivery_id: a.deliveryId,
      endpoint_id: a.endpointId,
      attempt: a.attempt,
      status_code: a.statusCode,
      duration_ms: Math.round(a.durationMs),
      error: a.error?.slice(0, 500) ?? null,
      next_attempt_at: a.nextAttemptAt,
    })
    .execute();
}

export type DeliveryRow = {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  sessionId: string;
  replay: boolean;
  status: DeliveryStatus;
  createdAt: Date;
  finishedAt: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
  attempts: Array<{
    attempt: number;
    attemptedAt: Date;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    nextAttemptAt: Date | null;
  }>;
};

export type DeliveryFilter = { endpointId?: string; status?: DeliveryStatus; eventType?: string; before?: string; limit: number };

/** Newest first, with every attempt of each. */
export async function listDeliveries(db: Db, f: DeliveryFilter): Promise<DeliveryRow[]> {
  let q = db
    .selectFrom('outbox')
    .select(['id', 'payload', 'status', 'created_at', 'done_at', 'run_after', 'last_error'])
    .where('kind', '=', 'webhook.deliver')
    .orderBy('id', 'desc')
    .limit(f.limit);
  if (f.endpointId) q = q.where(sql`payload ->> 'endpointId'`, '=', f.endpointId);
  if (f.eventType) q = q.where(sql`payload ->> 'eventType'`, '=', f.eventType);
  if (f.status) q = q.where('status', '=', OUTBOX_STATUS[f.status]);
  if (f.before) q = q.where('id', '<', f.before);
  const rows = await q.execute();
  return withAttempts(db, rows);
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'payload', 'status', 'created_at', 'done_at', 'run_after', 'last_error'])
    .where('kind', '=', 'webhook.deliver')
    .where('id', '=', id)
    .execute();
  return (await withAttempts(db, rows))[0];
}

type OutboxRow = {
  id: string;
  payload: unknown;
  status: OutboxStatus;
  created_at: Date | string;
  done_at: Date | string | null;
  run_after: Date | string;
  last_error: string | null;
};

async function withAttempts(db: Db, rows: OutboxRow[]): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      rows.map((r) => String(r.id)),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const p = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;
    return {
      id: String(r.id),
      endpointId: String(p.endpointId),
      eventId: String(p.eventId),
      eventType: String(p.eventType),
      sessionId: String(p.sessionId),
      replay: p.replay === true,
      status: STATUS_OF[r.status],
      createdAt: new Date(r.created_at),
      finishedAt: r.done_at ? new Date(r.done_at) : null,
      nextAttemptAt: r.status === 'pending' ? new Date(r.run_after) : null,
      lastError: r.last_error,
      attempts: attempts
        .filter((a) => String(a.delivery_id) === String(r.id))
        .map((a) => ({
          attempt: a.attempt,
          attemptedAt: new Date(a.attempted_at),
          statusCode: a.status_code,
          durationMs: a.duration_ms,
          error: a.error,
          nextAttemptAt: a.next_attempt_at ? new Date(a.next_attempt_at) : null,
        })),
    };
  });
}

/**
 * Tries a delivery again now, with the whole retry schedule: a finished one goes back to pending
 * (its attempts so far stay in the log), a pending one becomes due at once.
 */
export async function requeueDelivery(db: Db, id: string): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ status: 'pending', run_after: sql`now()`, done_at: null, locked_until: null, locked_by: null, attempts: 0 })
    .where('id', '=', id)
    .where('kind', '=', 'webhook.deliver')
    // One being tried right now is left to that attempt: taking its lease would send it twice.
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export type ReplayRange = { endpointId: string; since: Date; until: Date | null; eventTypes: string[] | null; limit: number };

/** How many events a replay would send (to refuse one larger than its limit before writing). */
export async function countReplay(db: Db, r: ReplayRange, endpointTypes: string[] | null): Promise<number> {
  const row = await replayEvents(db, r, endpointTypes)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Writes a delivery for every event in the range, with the events' own ids (same webhook-ids). */
export async function insertReplay(db: Db, r: ReplayRange, endpointTypes: string[] | null): Promise<string[]> {
  const rows = await db
    .insertInto('outbox')
    .columns(['kind', 'payload', 'session_id', 'ordering_key'])
    .expression(
      replayEvents(db, r, endpointTypes)
        .select([
          sql.lit('webhook.deliver').as('kind'),
          sql<string>`jsonb_build_object('kind', 'webhook.deliver', 'endpointId', ${r.endpointId}::text, 'eventId', e.id::text,
            'sessionId', e.session_id, 'eventType', e.type, 'replay', true)`.as('payload'),
          'e.session_id',
          sql<string>`'webhook:' || ${r.endpointId}::text || ':' || e.session_id`.as('ordering_key'),
        ])
        .orderBy('e.id')
        .limit(r.limit),
    )
    .returning('id')
    .execute();
  return rows.map((row) => String(row.id));
}

function replayEvents(db: Db, r: ReplayRange, endpointTypes: string[] | null) {
  let q = db.selectFrom('session_events as e').where('e.created_at', '>=', r.since);
  if (r.until) q = q.where('e.created_at', '<', r.until);
  if (endpointTypes) q = q.where('e.type', 'in', endpointTypes);
  if (r.eventTypes) q = q.where('e.type', 'in', r.eventTypes);
  return q;
}

/** Forgets finished deliveries (and so their attempts) after the retention period. */
export async function pruneDeliveries(db: Db, olderThanSec: number): Promise<number> {
  const res = await db
    .deleteFrom('outbox')
    .where('kind', '=', 'webhook.deliver')
    .where('status', '<>', 'pending')
    .where('done_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSec})`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
