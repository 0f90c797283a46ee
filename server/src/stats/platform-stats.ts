import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { connectionSpans } from '../presence/spans.ts';
import { type Buckets, bucketsOver, concurrencyPerBucket, epochMs, unionSummary } from './intervals.ts';
import { round2 } from './session-stats.ts';
import type { PlatformStats } from './stats.schemas.ts';

/** Timeline buckets: the shortest of these that keeps the timeline to MAX_BUCKETS entries. */
const BUCKET_SIZES_SEC = [60, 300, 900, 3600, 6 * 3600, 86_400];
const MAX_BUCKETS = 400;
/** The longest window asked for in one call (a timeline of days). */
export const MAX_WINDOW_MS = MAX_BUCKETS * 86_400_000;

export function bucketSizeFor(windowMs: number): number {
  const fits = BUCKET_SIZES_SEC.find((sec) => windowMs / (sec * 1000) <= MAX_BUCKETS);
  return (fits ?? BUCKET_SIZES_SEC[BUCKET_SIZES_SEC.length - 1] ?? 86_400) * 1000;
}

type Window = { fromMs: number; toMs: number; asOfMs: number };

const big = (n: number) => sql`${String(n)}::bigint`;

/**
 * The platform over [from, to), `to` at most now (`asOfMs`). Sessions count where they overlap
 * the window; each session's viewers as in sessionStats (viewer pieces of the ledger), with
 * minutes watched the union per viewer and session, clipped to the window. Start failures are
 * the ones golive recorded (session_start_failures): refusals by policy are not failures.
 */
export async function platformStats(db: Kysely<Database>, window: Window): Promise<PlatformStats> {
  const toMs = Math.min(window.toMs, window.asOfMs);
  const fromMs = Math.min(window.fromMs, toMs);
  const sizeMs = bucketSizeFor(toMs - fromMs);
  const axis = bucketsOver(fromMs, toMs, sizeMs);
  const from = new Date(fromMs);
  const to = new Date(toMs);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Sessions overlapping the window; a live one lasts until asOf.
      const scope = sql`select id from sessions where started_at < ${to} and (ended_at is null or ended_at > ${from})`;
      const sessions = sql`
        select key, f, u from (
          select id::text as key, greatest(${epochMs(sql.ref('started_at'))}, ${big(fromMs)}) as f,
            least(coalesce(${epochMs(sql.ref('ended_at'))}, ${big(window.asOfMs)}), ${big(toMs)}) as u
          from sessions where id in (${scope})
        ) as clipped where u > f`;
      const viewers = viewerIntervals(scope, fromMs, toMs, window.asOfMs);
      const [sessionLevels, viewerLevels, watched, counts, started] = await Promise.all([
        concurrencyPerBucket(sessions, axis).execute(trx),
        concurrencyPerBucket(viewers, axis).execute(trx),
        unionSummary(viewers).execute(trx),
        sql<{ started: number; failed: number; ended: number; duration_ms: string | number | null }>`
          select
            (select count(*)::int from sessions where started_at >= ${from} and started_at < ${to}) as started,
            (select count(*)::int from session_start_failures where created_at >= ${from} and created_at < ${to}) as failed,
            (select count(*)::int from sessions where ended_at >= ${from} and ended_at < ${to}) as ended,
            (select avg(${epochMs(sql.ref('ended_at'))} - ${epochMs(sql.ref('started_at'))}) from sessions
              where ended_at >= ${from} and ended_at < ${to}) as duration_ms`.execute(trx),
        startsPerBucket(trx, axis, to),
      ]);
      const c = counts.rows[0] ?? { started: 0, failed: 0, ended: 0, duration_ms: null };
      const levels = (rows: { bucket: number; level: number }[]) => new Map(rows.map((r) => [r.bucket, r.level]));
      const sessionsAt = levels(sessionLevels.rows);
      const viewersAt = levels(viewerLevels.rows);
      const max = (m: Map<number, number>) => Math.max(0, ...m.values());
      const attempts = c.started + c.failed;
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        sessionsStarted: c.started,
        sessionsFailed: c.failed,
        startFailureRate: attempts > 0 ? Math.round((c.failed / attempts) * 10_000) / 10_000 : null,
        sessionsEnded: c.ended,
        averageDurationSec: c.duration_ms === null ? null : round2(Number(c.duration_ms) / 1000),
        peakConcurrentSessions: max(sessionsAt),
        peakConcurrentViewers: max(viewersAt),
        minutesWatched: round2(Number(watched.rows[0]?.total ?? 0) / 60_000),
        bucketSec: sizeMs / 1000,
        timeline: Array.from({ length: axis.count }, (_, bucket) => ({
          at: new Date(fromMs + bucket * sizeMs).toISOString(),
          sessionsStarted: started.get(bucket) ?? 0,
          sessions: sessionsAt.get(bucket) ?? 0,
          viewers: viewersAt.get(bucket) ?? 0,
        })),
      };
    });
}

/** Every session's viewer pieces in the window, keyed by session and user (a user in two sessions is two viewers). */
function viewerIntervals(scope: RawBuilder<unknown>, fromMs: number, toMs: number, asOfMs: number): RawBuilder<unknown> {
  const spans = connectionSpans(scope, 'ms', asOfMs);
  return sql`
    select key, f, u from (
      select session_id::text || ' ' || identity as key, greatest(from_t, ${big(fromMs)}) as f, least(until_t, ${big(toMs)}) as u
      from (${spans}) as s where counted
    ) as clipped where u > f`;
}

async function startsPerBucket(trx: Kysely<Database>, axis: Buckets, end: Date): Promise<Map<number, number>> {
  if (axis.count === 0) return new Map();
  const { rows } = await sql<{ bucket: number; n: number }>`
    select ((${epochMs(sql.ref('started_at'))} - ${big(axis.startMs)}) / ${big(axis.sizeMs)})::int as bucket, count(*)::int as n
    from sessions where started_at >= ${new Date(axis.startMs)} and started_at < ${end}
    group by 1`.execute(trx);
  return new Map(rows.map((r) => [r.bucket, r.n]));
}
