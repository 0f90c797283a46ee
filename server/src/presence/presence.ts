import { type Kysely, sql, type Transaction } from 'kysely';
import type { ParticipantInfo } from 'livekit-server-sdk';
import type { Database, SessionRow } from '../db/schema.ts';
import type { SessionEventInput } from '../events/events.repository.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import { type Counts, countPresentViewers, recomputeCounts } from './counts.ts';

/**
 * The connection ledger: the only writer of participant_connections, the viewer counts derived
 * from it and their live.participant.joined/left events. Webhooks and the reconciler translate
 * what LiveKit says into these calls; every call runs inside the caller's unit of work, with the
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

/** The caller's unit of work, as presence writes in it: its transaction and its audit events. */
export type PresenceWork = { trx: Transaction<Database>; event(event: SessionEventInput): void };

/** Applies a join or leave in any order and any number of times, and re-derives the counts. */
export async function recordEdge(w: PresenceWork, row: SessionRow, edge: ConnectionEdge): Promise<Counts> {
  const { trx } = w;
  const joined = edge.kind === 'joined';
  await trx
    .insertInto('participant_connections')
    .values({
      session_id: row.id,
      participant_sid: edge.sid,
      identity: edge.identity,
      name: edge.name,
      role: edge.role,
      counted: isCountedViewer(edge.role, edge.hidden),
      joined_at: joined ? edge.at : null,
      left_at: joined ? null : edge.at,
    })
    .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doUpdateSet(joined ? { joined_at: edge.at } : { left_at: edge.at }))
    .execute();
  // Only an edge strictly later than every recorded one may just raise the peak; a tie must be
  // re-derived too, or a join and a leave stamped alike would count differently by arrival order.
  const isLatest = !row.last_webhook_at || edge.at.getTime() > new Date(row.last_webhook_at).getTime();
  const counts = await recomputeCounts(trx, row.id, isLatest ? 'raise' : 'rederive');
  if (isLatest) await trx.updateTable('sessions').set({ last_webhook_at: edge.at }).where('id', '=', row.id).execute();
  w.event({
    sessionId: row.id,
    type: joined ? 'live.participant.joined' : 'live.participant.left',
    actorId: edge.identity,
    targetId: edge.identity,
    reason: edge.reason,
    data: { role: edge.role, participantSid: edge.sid, at: edge.at.toISOString() },
  });
  return counts;
}

/** A stage role changed: the user's open connections are re-labelled so viewer counts follow at once. */
export async function relabel(trx: Transaction<Database>, sessionId: string, userId: string, role: string): Promise<void> {
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

/** Clock slack between LiveKit's join times and ours. */
const STALE_MARGIN_MS = 2_000;

/**
 * Makes the open connection rows equal to LiveKit's participant list, then re-derives the counts
 * when anything drifted. Returns how many corrections were made.
 */
export async function syncWithList(w: PresenceWork, row: SessionRow, participants: ParticipantInfo[], listedAt: number): Promise<number> {
  const { trx } = w;
  const sessionId = row.id;
  const open = await trx
    .selectFrom('participant_connections')
    .select(['participant_sid', 'identity', 'joined_at'])
    .where('session_id', '=', sessionId)
    .where('joined_at', 'is not', null)
    .where('left_at', 'is', null)
    .execute();
  const openSids = new Set(open.map((r) => r.participant_sid));
  const actualSids = new Set(participants.map((p) => p.sid));
  // A connection that joined after the list was taken is not stale, just newer than the list.
  const stale = open.filter((r) => !actualSids.has(r.participant_sid) && new Date(r.joined_at ?? 0).getTime() < listedAt - STALE_MARGIN_MS);
  if (stale.length > 0) {
    await trx
      .updateTable('participant_connections')
      .set({ left_at: sql`now()` })
      .where('session_id', '=', sessionId)
      .where(
        'participant_sid',
        'in',
        stale.map((r) => r.participant_sid),
      )
      .execute();
    for (const r of stale) {
      w.event({
        sessionId,
        type: 'live.participant.left',
        actorId: 'system',
        targetId: r.identity,
        reason: 'reconciled',
        data: { participantSid: r.participant_sid },
      });
    }
  }
  const missing = participants.filter((p) => !openSids.has(p.sid));
  let inserted = 0;
  for (const p of missing) {
    const role = p.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown';
    const joinedAt = new Date(Number(p.joinedAtMs ?? 0n) || Number(p.joinedAt ?? 0n) * 1000 || Date.now());
    const added = await trx
      .insertInto('participant_connections')
      .values({
        session_id: sessionId,
        participant_sid: p.sid,
        identity: p.identity,
        name: p.name || null,
        role,
        counted: isCountedViewer(role, p.permission?.hidden ?? false),
        joined_at: joinedAt,
        left_at: null,
      })
      // A row that exists with left_at set was a real leave: LiveKit lists it only briefly.
      .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doNothing())
      .returning('participant_sid')
      .executeTakeFirst();
    if (!added) continue;
    inserted++;
    w.event({
      sessionId,
      type: 'live.participant.joined',
      actorId: 'system',
      targetId: p.identity,
      reason: 'reconciled',
      data: { role, participantSid: p.sid, at: joinedAt.toISOString() },
    });
  }
  if (stale.length + inserted > 0) {
    // The edges written here may be later than any webhook's, so a webhook must not take
    // itself for the latest edge and merely raise the peak.
    const latest = Math.max(listedAt, ...missing.map((p) => Number(p.joinedAtMs ?? 0n)));
    await trx
      .updateTable('sessions')
      .set({ last_webhook_at: sql`greatest(last_webhook_at, now(), ${new Date(latest)})` })
      .where('id', '=', sessionId)
      .execute();
  }
  // Counts are re-derived only on drift: the sweep uses each row's current role, so a viewer
  // since promoted to the stage would drop out of a peak they were part of.
  const present = await countPresentViewers(trx, sessionId);
  const countsDrifted = present !== row.viewer_count || row.peak_viewers < row.viewer_count;
  const corrections = stale.length + inserted + (countsDrifted ? 1 : 0);
  if (corrections > 0) await recomputeCounts(trx, sessionId, 'rederive');
  return corrections;
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
