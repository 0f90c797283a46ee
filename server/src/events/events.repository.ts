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
 * Appends a change's events in the change's own transaction, in one statement that also gives each
 * its per-session sequence (the session row is locked by the change, or new) and the session as it
 * is now, and writes a webhook delivery to the outbox for every enabled endpoint whose filter takes
 * the event. With no endpoint configured the join yields no row: one cheap statement per change.
 * Returns the ids of the deliveries, to run at once after commit with the change's other effects.
 */
export async function recordEvents(trx: Transaction<Database>, events: readonly SessionEventInput[]): Promise<string[]> {
  if (events.length === 0) return [];
  const input = JSON.stringify(
    events.map((e, ord) => ({
      ord,
      session_id: e.sessionId,
      type: e.type,
      actor_id: e.actorId,
      target_id: e.targetId ?? null,
      reason: e.reason ?? null,
      data: e.data ?? {},
    })),
  );
  // The outbox payload and ordering key are those of the webhook.deliver effect (effects/effect.ts).
  const rows = await sql<{ id: string }>`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb)
        as x(ord int, session_id uuid, type text, actor_id text, target_id text, reason text, data jsonb)
    ),
    counts as (select session_id, count(*) as n from input group by session_id),
    numbered as (
      update sessions s set event_seq = s.event_seq + counts.n
      from counts where s.id = counts.session_id
      returning s.id, s.event_seq - counts.n as base, ${sessionSnapshot} as snapshot
    ),
    ev as (
      insert into session_events (session_id, type, actor_id, target_id, reason, data, sequence, session)
      select i.session_id, i.type, i.actor_id, i.target_id, i.reason, i.data,
        n.base + row_number() over (partition by i.session_id order by i.ord), n.snapshot
      from input i join numbered n on n.id = i.session_id
      order by i.ord
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
  return rows.rows.map((r) => String(r.id));
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
