import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isCountedViewer } from '../sessions/grants.ts';
import type { WorkContext } from '../work/unit-of-work.ts';
import { type Counts, recomputeCounts } from './counts.ts';
import { planPeak } from './peak.ts';

/**
 * The connection ledger: the only writer of participant_connections, the viewer counts derived
 * from it and their live.participant.joined/left events. Webhooks and the reconciler translate
 * what LiveKit says into these calls (sync.ts holds the reconciler's); every call runs inside the caller's unit of work, with the
 * session row locked.
 */

/** One edge of a LiveKit participant connection, as a webhook reports it. */
export type ConnectionEdge = {
  kind: 'joined' | 'left';
  sid: string;
  identity: string;
  name: string | null;
  /** The role attribute LiveKit carried ('unknown' when absent). */
  role: string;
  hidden: boolean;
  at: Date;
  /** Why a leave happened, when LiveKit says (connection_aborted). */
  reason: string | null;
};

/** How long after an out-of-order batch its peak is re-derived: one sweep covers a burst of them. */
export const PEAK_REDERIVE_DELAY_MS = 1_000;

/**
 * Applies a batch of joins and leaves of one session (any order, duplicates merged), exactly once
 * each: the connection rows, the count (exact, from the rows), the peak, and the audit events.
 * The peak is exact at once when the batch is later than every recorded edge (planPeak); for a
 * batch that arrived out of order the peak is raised to the count now and re-derived from every
 * interval PEAK_REDERIVE_DELAY_MS later, by one effect however many such batches came meanwhile:
 * a full sweep per batch would cost more than the batch.
 */
export async function recordEdges(w: WorkContext, edges: readonly ConnectionEdge[]): Promise<Counts> {
  const { trx, facts } = w;
  const row = facts.row;
  const prior = await upsertConnections(trx, row.id, mergeBySid(edges));
  const latest = new Date(Math.max(...edges.map((e) => e.at.getTime())));
  const plan = planPeak({
    edges: edges.map((e) => ({ kind: e.kind, sid: e.sid, at: e.at, counted: isCountedViewer(e.role, e.hidden) })),
    prior,
    countBefore: row.viewer_count,
    latestBefore: row.last_webhook_at ? new Date(row.last_webhook_at) : null,
  });
  const joined = [...new Set(edges.filter((e) => e.kind === 'joined').map((e) => e.identity))];
  // One statement after the upsert, which it sees: the connections a join replaced closed (LiveKit
  // keeps one connection per identity in a room, see closeSupersededSql) and the counts updated.
  // Its count cannot see its own closures (one snapshot per statement), so those it closed and
  // counted are taken off.
  type Replaced = { participant_sid: string; identity: string; left_at: string };
  const result = await sql<{ viewer_count: number; peak_viewers: number; replaced: Replaced[] | string | null; dirty: boolean }>`
    with closed as (${closeSupersededSql(row.id, joined)}),
    present as (
      select (select count(*) from participant_connections where session_id = ${row.id}
          and counted and joined_at is not null and left_at is null)
        - (select count(*) from closed where counted) as n,
        (select count(*) from closed) as replaced
    )
    update sessions set
      viewer_count = present.n,
      -- The plan counts a replaced connection as still there: then the peak is re-derived instead.
      peak_viewers = greatest(peak_viewers, case when present.replaced = 0 then ${plan.kind === 'in-order' ? plan.peak : 0}::int else 0 end, present.n),
      last_webhook_at = greatest(last_webhook_at, ${latest}::timestamptz),
      peak_dirty_since = case
        when ${plan.kind === 'late'}::boolean or present.replaced > 0 or present.n <> ${plan.kind === 'in-order' ? plan.count : -1}::int
        then coalesce(peak_dirty_since, now()) else peak_dirty_since end
    from present
    where id = ${row.id}
    returning viewer_count, peak_viewers, peak_dirty_since is not null as dirty,
      (select json_agg(json_build_object('participant_sid', c.participant_sid, 'identity', c.identity, 'left_at', c.left_at))
        from closed c) as replaced`.execute(trx);
  const updated = result.rows[0];
  if (!updated) throw new Error(`session ${row.id} vanished under its lock`);
  const replaced: Replaced[] = (typeof updated.replaced === 'string' ? JSON.parse(updated.replaced) : updated.replaced) ?? [];
  // The audit events, written by the unit of work with the change's others (and sent to the app).
  for (const e of edges) {
    w.event({
      sessionId: row.id,
      type: e.kind === 'joined' ? 'live.participant.joined' : 'live.participant.left',
      actorId: e.identity,
      targetId: e.identity,
      reason: e.reason,
      data: { role: e.role, participantSid: e.sid, at: e.at.toISOString() },
    });
  }
  for (const r of replaced) {
    w.event({
      sessionId: row.id,
      type: 'live.participant.left',
      actorId: 'system',
      targetId: r.identity,
      reason: 'replaced',
      data: { participantSid: r.participant_sid, at: new Date(r.left_at).toISOString() },
    });
  }
  // Newly dirty: the peak is re-derived from every interval shortly after (one effect per burst).
  if (updated.dirty && row.peak_dirty_since === null) {
    w.effect({ kind: 'presence.peak.rederive', sessionId: row.id, runAt: new Date(Date.now() + PEAK_REDERIVE_DELAY_MS).toISOString() });
  }
  return { viewerCount: updated.viewer_count, peakViewers: updated.peak_viewers };
}

/**
 * LiveKit keeps one connection per identity in a room, so a join ends every earlier connection of
 * the same identity, at the moment the later one joined. Most of the time LiveKit's own leave says
 * so too; when the node that held the old connection died, or the room was re-created elsewhere,
 * no leave ever comes, and without this the old connection would stay counted until the next
 * full reconcile. Closing against the next later join (not against this batch's) keeps the result
 * independent of the order joins arrive in.
 */
function closeSupersededSql(sessionId: string, identities: string[]) {
  return sql`update participant_connections set left_at = (
      select min(n.joined_at) from participant_connections n
      where n.session_id = participant_connections.session_id and n.identity = participant_connections.identity
        and n.joined_at > participant_connections.joined_at)
    where session_id = ${sessionId} and identity = any(${identities}::text[])
      and joined_at is not null and left_at is null
      and exists (select 1 from participant_connections n
        where n.session_id = participant_connections.session_id and n.identity = participant_connections.identity
          and n.joined_at > participant_connections.joined_at)
    returning participant_sid, identity, left_at, counted`;
}

/** The presence.peak.rederive effect: the peak swept from every connection interval. */
export async function rederivePeak(w: WorkContext): Promise<void> {
  if (w.facts.row.peak_dirty_since === null) return;
  await recomputeCounts(w.trx, w.facts.row.id, 'rederive');
  await w.trx.updateTable('sessions').set({ peak_dirty_since: null }).where('id', '=', w.facts.row.id).execute();
  w.notify((b) => b.countersChanged(w.facts.row.id));
}

/** One row per connection: a join and a leave of one sid in the same batch fill both columns. */
function mergeBySid(edges: readonly ConnectionEdge[]) {
  const rows = new Map<string, ConnectionEdge & { joinedAt: Date | null; leftAt: Date | null }>();
  for (const e of edges) {
    const row = rows.get(e.sid) ?? { ...e, joinedAt: null, leftAt: null };
    if (e.kind === 'joined') {
      // The join carries the connection's role and name.
      Object.assign(row, { role: e.role, hidden: e.hidden, name: e.name ?? row.name, joinedAt: e.at });
    } else row.leftAt = e.at;
    rows.set(e.sid, row);
  }
  return [...rows.values()];
}

/** Upserts the rows in one statement and returns what they were before (one snapshot for both). */
async function upsertConnections(trx: Transaction<Database>, sessionId: string, rows: ReturnType<typeof mergeBySid>) {
  const sids = rows.map((r) => r.sid);
  const values = rows.map((r) => ({
    session_id: sessionId,
    participant_sid: r.sid,
    identity: r.identity,
    name: r.name,
    role: r.role,
    counted: isCountedViewer(r.role, r.hidden),
    joined_at: r.joinedAt,
    left_at: r.leftAt,
  }));
  // A new row joined as what it is now (joined_role, joined_counted); stage changes only relabel.
  const result = await sql<{ participant_sid: string; joined: boolean; left: boolean; counted: boolean }>`
    with prior as (
      select participant_sid, joined_at is not null as joined, left_at is not null as left, counted from participant_connections
      where session_id = ${sessionId} and participant_sid = any(${sids}::text[])
    ), upserted as (
      insert into participant_connections (session_id, participant_sid, identity, name, role, counted, joined_role, joined_counted,
        joined_at, left_at)
      select v.session_id::uuid, v.participant_sid, v.identity, v.name, v.role, v.counted, v.role, v.counted,
        v.joined_at::timestamptz, v.left_at::timestamptz
      from json_to_recordset(${JSON.stringify(values)}::json) as v(session_id text, participant_sid text, identity text, name text,
        role text, counted boolean, joined_at text, left_at text)
      on conflict (session_id, participant_sid) do update set
        joined_at = coalesce(excluded.joined_at, participant_connections.joined_at),
        left_at = coalesce(excluded.left_at, participant_connections.left_at)
      returning 1
    )
    -- upserted runs to completion whether or not it is read; prior saw the rows before it.
    select participant_sid, joined, "left", counted from prior`.execute(trx);
  return new Map(result.rows.map((r) => [r.participant_sid, { joined: r.joined, left: r.left, counted: r.counted }]));
}

/**
 * A stage role changed: the user's open connections are re-labelled so viewer counts follow at
 * once, and each change is kept in participant_role_changes (at the transaction's time, the same
 * as its audit event), so viewer and stage time split at the change (see spans.ts).
 */
export async function relabel(trx: Transaction<Database>, sessionId: string, userId: string, role: string): Promise<void> {
  const counted = isCountedViewer(role, false);
  const open = await trx
    .selectFrom('participant_connections')
    .select(['participant_sid', 'role', 'counted'])
    .where('session_id', '=', sessionId)
    .where('identity', '=', userId)
    .where('left_at', 'is', null)
    .where('role', '!=', 'observer')
    .execute();
  if (open.length === 0) return;
  await trx
    .updateTable('participant_connections')
    .set({ role, counted })
    .where('session_id', '=', sessionId)
    .where(
      'participant_sid',
      'in',
      open.map((c) => c.participant_sid),
    )
    .execute();
  const changed = open.filter((c) => c.role !== role || c.counted !== counted);
  if (changed.length > 0) {
    await trx
      .insertInto('participant_role_changes')
      .values(changed.map((c) => ({ session_id: sessionId, participant_sid: c.participant_sid, role, counted })))
      .execute();
  }
  // 'raise': a role change never lowers the peak already reached.
  await recomputeCounts(trx, sessionId, 'raise');
}

/**
 * Closes open connections: all of them when the session ends, or those that joined before
 * `joinedBefore` when a fresh room replaced a lost one (nobody can still be in the old room).
 */
export async function closeConnections(trx: Transaction<Database>, sessionId: string, joinedBefore?: Date): Promise<number> {
  let q = trx
    .updateTable('participant_connections')
    .set({ left_at: sql`now()` })
    .where('session_id', '=', sessionId)
    .where('left_at', 'is', null);
  if (joinedBefore) q = q.where('joined_at', '<', joinedBefore);
  const closed = Number((await q.executeTakeFirst()).numUpdatedRows);
  if (closed > 0 && joinedBefore) await recomputeCounts(trx, sessionId, 'rederive');
  return closed;
}

export type OpenConnection = { identity: string; role: string; name: string | null };

/** Who is connected now, one row per identity and role. */
export async function openConnections(db: Kysely<Database>, sessionId: string): Promise<OpenConnection[]> {
  return db
    .selectFrom('participant_connections')
    .select(['identity', 'role', sql<string | null>`max(name)`.as('name')])
    .where('session_id', '=', sessionId)
    .where('joined_at', 'is not', null)
    .where('left_at', 'is', null)
    .groupBy(['identity', 'role'])
    .execute();
}

/** The display name LiveKit last reported for a user in this session, if any. */
export async function lastKnownName(trx: Transaction<Database>, sessionId: string, userId: string): Promise<string | null> {
  const found = await trx
    .selectFrom('participant_connections')
    .select('name')
    .where('session_id', '=', sessionId)
    .where('identity', '=', userId)
    .where('name', 'is not', null)
    .orderBy('joined_at', 'desc')
    .executeTakeFirst();
  return found?.name ?? null;
}
