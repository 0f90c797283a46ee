import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { connectionSpans, OPEN_FOREVER, oneSession } from './spans.ts';

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
 * The most viewers connected at once, swept over every counted piece of the connection spans
 * (spans.ts: a viewer promoted to the stage stops counting at the promotion, not for the whole
 * connection). At the same instant leaves sort before joins: half-open intervals that touch do
 * not overlap. Microseconds, so edges keep the order PostgreSQL recorded them in.
 */
function peakFromIntervals(sessionId: string) {
  const spans = connectionSpans(oneSession(sessionId), 'us', OPEN_FOREVER.us);
  return sql<number>`
    select coalesce(max(level), 0)::int from (
      select sum(sum(edge.delta)) over (order by edge.at) as level
      from (${spans}) as s
      cross join lateral (values (s.from_t, 1), (s.until_t, -1)) as edge (at, delta)
      where s.counted
      group by edge.at
    ) as sweep`;
}
