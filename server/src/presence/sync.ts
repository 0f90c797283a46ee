import { sql, type Transaction } from 'kysely';
import type { ParticipantInfo } from 'livekit-server-sdk';
import type { Database, SessionRow } from '../db/schema.ts';
import type { SessionEventInput } from '../events/events.repository.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import { countPresentViewers, recomputeCounts } from './counts.ts';

// The reconciler's side of the connection ledger (presence.ts is the webhooks' side): LiveKit's
// participant list, taken every full pass, made the truth of the open connection rows.

/** The caller's unit of work, as the sync writes in it: its transaction and its audit events. */
export type LedgerWork = { trx: Transaction<Database>; event(event: SessionEventInput): void };

/** Clock slack between LiveKit's join times and ours. */
const STALE_MARGIN_MS = 2_000;

/**
 * Makes the open connection rows equal to LiveKit's participant list, then re-derives the counts
 * when anything drifted. Returns how many corrections were made.
 */
export async function syncWithList(w: LedgerWork, row: SessionRow, participants: ParticipantInfo[], listedAt: number): Promise<number> {
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
    const counted = isCountedViewer(role, p.permission?.hidden ?? false);
    const joinedAt = new Date(Number(p.joinedAtMs ?? 0n) || Number(p.joinedAt ?? 0n) * 1000 || Date.now());
    const added = await trx
      .insertInto('participant_connections')
      .values({
        session_id: sessionId,
        participant_sid: p.sid,
        identity: p.identity,
        name: p.name || null,
        role,
        counted,
        joined_role: role,
        joined_counted: counted,
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
  // Counts are re-derived only on drift: a sweep reads every connection of the session.
  const present = await countPresentViewers(trx, sessionId);
  const countsDrifted = present !== row.viewer_count || row.peak_viewers < row.viewer_count;
  const corrections = stale.length + inserted + (countsDrifted ? 1 : 0);
  if (corrections > 0) await recomputeCounts(trx, sessionId, 'rederive');
  return corrections;
}
