import { sql, type Transaction } from 'kysely';
import type { Database, StageRole } from '../db/schema.ts';
import type { SessionEventType } from '../events/events.repository.ts';
import { relabel } from '../presence/presence.ts';
import type { WorkContext } from '../work/unit-of-work.ts';

/**
 * Sets a user's stage role inside the caller's unit of work: the role row, the presence ledger's
 * labels (viewer counts follow at once; LiveKit sends no webhook for role changes), the audit
 * event, and the effects that give the connected participant its new grants in place and tell
 * everyone.
 */
export async function applyStageRole(
  w: WorkContext,
  userId: string,
  role: StageRole,
  actor: string,
  type: SessionEventType,
): Promise<void> {
  const { trx, facts } = w;
  const sessionId = facts.row.id;
  await trx
    .insertInto('session_roles')
    .values({ session_id: sessionId, user_id: userId, role, updated_by: actor })
    .onConflict((oc) => oc.columns(['session_id', 'user_id']).doUpdateSet({ role, updated_by: actor, updated_at: sql`now()` }))
    .execute();
  await relabel(trx, sessionId, userId, role);
  w.changedJoinFacts();
  w.event({ sessionId, type, actorId: actor, targetId: userId, data: { role } });
  w.effect(
    { kind: 'livekit.participant.update', sessionId, identity: userId, role, guestCanPublish: facts.settings.guestCanPublish },
    { kind: 'realtime.role', sessionId, userId, role },
  );
  w.notify((b) => b.countersChanged(sessionId));
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
