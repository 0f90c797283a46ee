import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * How to update the peak after a change to a session's connection rows:
 * - 'raise': the change is strictly later than every edge already recorded, so the peak is the
 *   old peak or the count now, whichever is higher (cheap, the common case);
 * - 'rederive': anything else (a late or tied event, a reconciler correction), so the peak is
 *   derived again from all connection intervals, which gives the same answer whatever order the
 *   edges arrived in.
 */
export type PeakUpdate = 'raise' | 'rederive';

export type Counts = { viewerCount: number; peakViewers: number };

/**
 * Recomputes a session's viewer count from its connection rows, which is exact whatever order
 * joins and leaves arrived in, and updates the peak as `peak` says.
 */
export async function recomputeCounts(trx: Transaction<Database>, sessionId: string, peak: PeakUpdate): Promise<Counts> {
  const viewerCount = await countPresentViewers(trx, sessionId);
  const peakExpr = peak === 'raise' ? sql<number>`greatest(peak_viewers, ${viewerCount})` : sql<number>`(${peakFromIntervals(sessionId)})`;
  const updated = await trx
    .updateTable('sessions')
    .set({ viewer_count: viewerCount, peak_viewers: peakExpr })
    .where('id', '=', sessionId)
    .returning(['viewer_count', 'peak_viewers'])
    .executeTakeFirstOrThrow();
  return { viewerCount: updated.viewer_count, peakViewers: updated.peak_viewers };
}

/** Counted viewers connected now, from the connection rows. */
export async function countPresentViewers(trx: Transaction<Database>, sessionId: string): Promise<number> {
  const present = await trx
    .selectFrom('participant_connections')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('session_id', '=', sessionId)
    .where('counted', '=', true)
    .where('joined_at', 'is not', null)
    .where('left_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(present.n);
}

/**
 * The most viewers connected at once, swept over the counted time of every connection: +1 where
 * one joined counted (joined_counted), ±1 where a stage change made it start or stop counting
 * (participant_role_changes: a viewer brought on stage stops counting then, not for the whole
 * connection), −1 where it left counted. The same pieces as presence/spans.ts, in one pass. At
 * the same instant leaves sort before joins: half-open intervals that touch do not overlap. A
 * leave stamped before its own join (clock skew) is an empty interval; a change stamped outside
 * its connection counts at the nearer end of it.
 */
function peakFromIntervals(sessionId: string) {
  return sql<number>`
    select coalesce(max(running), 0)::int from (
      select sum(delta) over (order by at, delta rows between unbounded preceding and current row) as running
      from (
        select joined_at as at, 1 as delta from participant_connections
          where session_id = ${sessionId} and joined_counted and joined_at is not null
        union all
        select greatest(left_at, joined_at), -1 from participant_connections
          where session_id = ${sessionId} and counted and joined_at is not null and left_at is not null
        union all
        select at, delta from (
          select least(greatest(r.at, c.joined_at), coalesce(greatest(c.left_at, c.joined_at), 'infinity')) as at,
            r.counted::int - (lag(r.counted, 1, c.joined_counted) over (partition by r.participant_sid order by r.id))::int as delta
          from participant_role_changes r
          join participant_connections c on c.session_id = r.session_id and c.participant_sid = r.participant_sid
          where r.session_id = ${sessionId} and c.joined_at is not null
        ) as changes where delta <> 0
      ) as edges
    ) as sweep`;
}
