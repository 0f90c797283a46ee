import { sql, type Transaction } from 'kysely';
import type { Database, StageRole } from '../db/schema.ts';
import { isCountedViewer } from '../sessions/grants.ts';
import { recomputeCounts } from '../webhooks/participant-counts.ts';

/**
 * Sets a user's stage role inside the caller's transaction, and re-labels their open LiveKit
 * connections so viewer counts follow at once (LiveKit sends no webhook for role changes).
 */
export async function setStageRole(
  trx: Transaction<Database>,
  sessionId: string,
  userId: string,
  role: StageRole,
  actor: string,
): Promise<void> {
  // Session row first, as webhook ingestion and the reconciler do: a kick's participant_left
  // webhook touches the same connection rows, and the opposite order deadlocks.
  await trx.selectFrom('sessions').select('id').where('id', '=', sessionId).forUpdate().execute();
  await trx
    .insertInto('session_roles')
    .values({ session_id: sessionId, user_id: userId, role, updated_by: actor })
    .onConflict((oc) => oc.columns(['session_id', 'user_id']).doUpdateSet({ role, updated_by: actor, updated_at: sql`now()` }))
    .execute();
  const relabelled = await trx
    .updateTable('participant_connections')
    .set({ role, counted: isCountedViewer(role, false) })
    .where('session_id', '=', sessionId)
    .where('identity', '=', userId)
    .where('left_at', 'is', null)
    .where('role', '!=', 'observer')
    .executeTakeFirst();
  // 'raise': a role change never lowers the peak already reached.
  if (Number(relabelled.numUpdatedRows) > 0) await recomputeCounts(trx, sessionId, 'raise');
}

/** Guests on stage now: explicit guest roles plus allowlisted publishers of interactive sessions. */
export async function countGuests(trx: Transaction<Database>, sessionId: string): Promise<number> {
  const row = await trx
    .selectFrom('sessions as s')
    .select(
      sql<string>`(select count(*) from session_roles r where r.session_id = s.id and r.role = 'guest')
        + case when s.mode = 'interactive' then (select count(*) from session_members m
            where m.session_id = s.id and m.role = 'participant'
            and not exists (select 1 from session_roles r where r.session_id = s.id and r.user_id = m.user_id))
          else 0 end`.as('guests'),
    )
    .where('s.id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return Number(row.guests);
}

/** Closes the user's pending stage request or invite (a role change or a ban settles it). */
export async function cancelPendingRequests(trx: Transaction<Database>, sessionId: string, userId: string, actor: string): Promise<void> {
  await trx
    .updateTable('stage_requests')
    .set({ status: 'cancelled', decided_at: sql`now()`, decided_by: actor })
    .where('session_id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .execute();
}
