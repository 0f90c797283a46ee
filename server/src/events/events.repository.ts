import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Event types written to the append-only audit log. */
export type SessionEventType =
  | 'live.session.started'
  | 'live.session.ended'
  | 'live.session.settings.changed'
  | 'live.session.interrupted'
  | 'live.session.resumed'
  | 'live.participant.joined'
  | 'live.participant.left'
  | 'live.participant.role.changed'
  | 'live.participant.muted'
  | 'live.participant.kicked'
  | 'live.participant.banned'
  | 'live.participant.unbanned'
  | 'live.stage.requested'
  | 'live.stage.request.approved'
  | 'live.stage.request.rejected'
  | 'live.stage.request.cancelled'
  | 'live.stage.invited'
  | 'live.stage.invite.accepted'
  | 'live.stage.invite.declined'
  | 'live.stage.left'
  | 'live.session.abuse.flagged'
  | 'live.chat.message.deleted'
  | 'live.chat.message.pinned';

export type SessionEventInput = {
  sessionId: string;
  type: SessionEventType;
  actorId: string | null;
  targetId?: string | null;
  reason?: string | null;
  data?: Record<string, unknown>;
};

export type SessionEvent = {
  id: string;
  sessionId: string;
  type: string;
  actorId: string | null;
  targetId: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  createdAt: string;
};

/** Appends within the caller's transaction, so the event exists exactly when the change does. */
export async function appendEvent(trx: Transaction<Database>, event: SessionEventInput): Promise<void> {
  await appendEvents(trx, [event]);
}

/** Several events of one change, in order, in one statement. */
export async function appendEvents(trx: Transaction<Database>, events: readonly SessionEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('session_events')
    .values(
      events.map((event) => ({
        session_id: event.sessionId,
        type: event.type,
        actor_id: event.actorId,
        target_id: event.targetId ?? null,
        reason: event.reason ?? null,
        data: JSON.stringify(event.data ?? {}),
      })),
    )
    .execute();
}

export async function listEvents(
  db: Kysely<Database>,
  sessionId: string,
  options: { after: string | null; limit: number },
): Promise<SessionEvent[]> {
  let query = db
    .selectFrom('session_events')
    .select([sql<string>`id::text`.as('id'), 'session_id', 'type', 'actor_id', 'target_id', 'reason', 'data', 'created_at'])
    .where('session_id', '=', sessionId)
    .orderBy('session_events.id', 'asc')
    .limit(options.limit);
  if (options.after) query = query.where('session_events.id', '>', options.after);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    sessionId: row.session_id,
    type: row.type,
    actorId: row.actor_id,
    targetId: row.target_id,
    reason: row.reason,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    createdAt: new Date(row.created_at).toISOString(),
  }));
}
