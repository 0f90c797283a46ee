import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Recomputes a session's viewer count from its connection rows, which is exact whatever order
 * joins and leaves arrived in. The peak is raised incrementally while events arrive in time
 * order; a late event re-derives it from the connection intervals (leaves sort before joins at
 * the same instant).
 */
export async function recomputeCounts(
  trx: Transaction<Database>,
  sessionId: string,
  inOrder: boolean,
): Promise<{ viewerCount: number; peakViewers: number }> {
  const present = await trx
    .selectFrom('participant_connections')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('session_id', '=', sessionId)
    .where('counted', '=', true)
    .where('joined_at', 'is not', null)
    .where('left_at', 'is', null)
    .executeTakeFirstOrThrow();
  const viewerCount = Number(present.n);
  const peakExpr = inOrder ? sql<number>`greatest(peak_viewers, ${viewerCount})` : sql<number>`(${peakFromIntervals(sessionId)})`;
  const updated = await trx
    .updateTable('sessions')
    .set({ viewer_count: viewerCount, peak_viewers: peakExpr })
    .where('id', '=', sessionId)
    .returning(['viewer_count', 'peak_viewers'])
    .executeTakeFirstOrThrow();
  return { viewerCount: updated.viewer_count, peakViewers: updated.peak_viewers };
}

function peakFromIntervals(sessionId: string) {
  return sql<number>`
    select coalesce(max(running), 0)::int from (
      select sum(delta) over (order by at, delta rows between unbounded preceding and current row) as running
      from (
        select joined_at as at, 1 as delta from participant_connections
          where session_id = ${sessionId} and counted and joined_at is not null
        union all
        select greatest(left_at, joined_at), -1 from participant_connections
          where session_id = ${sessionId} and counted and joined_at is not null and left_at is not null
      ) as edges
    ) as sweep`;
}
