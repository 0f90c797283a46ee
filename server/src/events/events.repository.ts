import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Event types written to the append-only audit log; each also goes out as a webhook (docs/events.md). */
export const SESSION_EVENT_TYPES = [
  'live.session.started',
  'live.session.ended',
  'live.session.settings.changed',
  'live.session.interrupted',
  'live.session.resumed',
  'live.participant.joined',
  'live.participant.left',
  'live.participant.role.changed',
  'live.participant.muted',
  'live.participant.kicked',
  'live.participant.banned',
  'live.participant.unbanned',
  'live.stage.requested',
  'live.stage.request.approved',
  'live.stage.request.rejected',
  'live.stage.request.cancelled',
  'live.stage.invited',
  'live.stage.invite.accepted',
  'live.stage.invite.declined',
  'live.stage.left',
  'live.session.abuse.flagged',
  'live.chat.message.deleted',
  'live.chat.message.pinned',
  'live.ingest.started',
  'live.ingest.stopped',
  'live.session.recording.started',
  'live.session.recording.saved',
] as const;

export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

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

/** A row of the log as a webhook body is built from it (webhooks-out/event-body.ts). */
export type StoredEvent = SessionEvent & { sequence: number; session: Record<string, unknown> | null };

/** A session_events row (from the driver, or as to_jsonb) as a webhook body is built from it. */
export function toStoredEvent(row: EventRow & { sequence: string | number | null; session: unknown }): StoredEvent {
  return { ...present({ ...row, id: String(row.id) }), sequence: Number(row.sequence ?? 0), session: parseJson(row.session) };
}

/**
 * Appends a change's events in the change's own transaction, in one statement per session (one in
 * practice: a change is one session's) that also gives each its per-session sequence (max + 1 over
 * the (session, sequence) index: the session row is locked by the change, or new and unseen) and
 * the session as it is now, and writes a webhook delivery to the outbox for every enabled endpoint
 * whose filter takes the event. With no endpoint configured the join yields no row. Returns the
 * ids of the deliveries, to run at once after commit with the change's other effects.
 */
export async function recordEvents(trx: Transaction<Database>, events: readonly SessionEventInput[]): Promise<string[]> {
  const bySession = new Map<string, SessionEventInput[]>();
  for (const e of events) bySession.set(e.sessionId, [...(bySession.get(e.sessionId) ?? []), e]);
  const ids: string[] = [];
  for (const [sessionId, list] of bySession) {
    const values = sql.join(
      list.map(
        (e, i) =>
          sql`(${i + 1}::int, ${e.type}::text, ${e.actorId}::text, ${e.targetId ?? null}::text, ${e.reason ?? null}::text, ${JSON.stringify(e.data ?? {})}::jsonb)`,
      ),
    );
    // The outbox payload and ordering key are those of the webhook.deliver effect (effects/effect.ts).
    const rows = await sql<{ id: string }>`
      with cur as (
        select s.id, ${sessionSnapshot} as snapshot,
          coalesce((select max(e.sequence) from session_events e where e.session_id = s.id), 0) as base
        from sessions s where s.id = ${sessionId}
      ),
      ev as (
        insert into session_events (session_id, type, actor_id, target_id, reason, data, sequence, session)
        select cur.id, v.type, v.actor_id, v.target_id, v.reason, v.data, cur.base + v.ord, cur.snapshot
        from (values ${values}) as v(ord, type, actor_id, target_id, reason, data) cross join cur
        order by v.ord
        returning id, session_id, type
      )
      insert into outbox (kind, payload, session_id, ordering_key)
      select 'webhook.deliver',
        jsonb_build_object('kind', 'webhook.deliver', 'endpointId', ep.id, 'eventId', ev.id::text,
          'sessionId', ev.session_id, 'eventType', ev.type),
        ev.session_id, 'webhook:' || ep.id || ':' || ev.session_id
      from ev join webhook_endpoints ep on ep.enabled and (ep.event_types is null or ev.type = any(ep.event_types))
      order by ev.id, ep.id
      returning id`.execute(trx);
    ids.push(...rows.rows.map((r) => String(r.id)));
  }
  return ids;
}

/** The session fields a webhook body carries, as they are at the end of the change. */
const sessionSnapshot = sql`jsonb_build_object('id', s.id, 'externalRef', s.external_ref, 'title', s.title,
  'host', jsonb_build_object('id', s.host_id, 'name', s.host_name),
  'status', s.status, 'visibility', s.visibility, 'mode', s.mode)`;

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
  return rows.map(present);
}

export type EventRow = {
  id: string;
  session_id: string;
  type: string;
  actor_id: string | null;
  target_id: string | null;
  reason: string | null;
  data: unknown;
  created_at: Date | string;
};

function present(row: EventRow): SessionEvent {
  return {
    id: row.id,
    sessionId: row.session_id,
    type: row.type,
    actorId: row.actor_id,
    targetId: row.target_id,
    reason: row.reason,
    data: parseJson(row.data) ?? {},
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function parseJson(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
}
