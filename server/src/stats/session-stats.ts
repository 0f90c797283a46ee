import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { connectionSpans, oneSession } from '../presence/spans.ts';
import { REACTION_BUCKET_MS } from '../reactions/reactions.service.ts';
import { mediaStats } from '../telemetry/telemetry.queries.ts';
import { type Buckets, bucketsOver, concurrencyPerBucket, epochMs, totalLength, unionSummary } from './intervals.ts';
import type { SessionStats } from './stats.schemas.ts';

/** Retention, chat activity and reaction buckets are this long, from the session's start. */
export const BUCKET_MS = REACTION_BUCKET_MS;
/** How many of the busiest reaction buckets topMoments lists. */
const TOP_MOMENTS = 5;

type Trx = Transaction<Database>;
type Window = { sessionId: string; startMs: number; endMs: number };

/**
 * A session's analytics over [start, end): end is when it ended, or `asOfMs` while it is live.
 * All of it is read in one REPEATABLE READ transaction, so the figures agree with each other.
 * Definitions (docs/operations.md, "Session analytics"):
 * - viewers are connection pieces whose role was viewer and not hidden (presence/spans.ts);
 * - peak: the most viewer connections open at one instant; average: their total time / duration;
 * - unique viewers and watch time: per user, the union of their viewer pieces;
 * - retention: per 10 s bucket, the most viewer connections open at one instant within it;
 * - stage: pieces with role guest or co-host; guests are users with stage time.
 */
export async function sessionStats(db: Kysely<Database>, sessionId: string, asOfMs: number): Promise<SessionStats> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const row = await sql<{ status: 'live' | 'ended'; start_ms: string | number; end_ms: string | number | null }>`
        select status, ${epochMs(sql.ref('started_at'))} as start_ms, ${epochMs(sql.ref('ended_at'))} as end_ms
        from sessions where id = ${sessionId}`.execute(trx);
      const session = row.rows[0];
      if (!session) throw new Error(`session ${sessionId} vanished while its stats were read`);
      const startMs = Number(session.start_ms);
      const endMs = session.end_ms === null ? Math.max(startMs, asOfMs) : Number(session.end_ms);
      const window: Window = { sessionId, startMs, endMs };
      const axis = bucketsOver(startMs, endMs, BUCKET_MS);
      const durationMs = endMs - startMs;

      const viewers = clippedSpans(window, sql`counted`);
      const stage = clippedSpans(window, sql`role in ('guest', 'cohost')`);
      // The transaction's one connection runs these one after another, in this order.
      const [retention, viewerTime, watch, onStage, requests, chat, chatBuckets, reactions, reactionBuckets, media] = await Promise.all([
        concurrencyPerBucket(viewers, axis).execute(trx),
        totalLength(viewers).execute(trx),
        unionSummary(viewers).execute(trx),
        unionSummary(stage).execute(trx),
        stageRequests(trx, sessionId),
        chatTotals(trx, sessionId),
        chatPerBucket(trx, window, axis),
        reactionTotals(trx, sessionId),
        reactionsPerBucket(trx, sessionId, axis),
        mediaStats(trx, sessionId, durationMs),
      ]);
      const watchRow = watch.rows[0];
      const stageRow = onStage.rows[0];
      const at = (bucket: number) => new Date(startMs + bucket * BUCKET_MS).toISOString();
      const levels = retention.rows.map((r) => r.level);
      const reactionsIn = new Map<number, Record<string, number>>();
      for (const r of reactionBuckets) reactionsIn.set(r.bucket, { ...reactionsIn.get(r.bucket), [r.emoji]: r.count });
      const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
      return {
        sessionId,
        status: session.status,
        startedAt: new Date(startMs).toISOString(),
        endedAt: session.end_ms === null ? null : new Date(endMs).toISOString(),
        asOf: new Date(endMs).toISOString(),
        durationSec: durationMs / 1000,
        bucketSec: BUCKET_MS / 1000,
        peakViewers: levels.length > 0 ? Math.max(...levels) : 0,
        averageViewers: durationMs > 0 ? round2(Number(viewerTime.rows[0]?.total ?? 0) / durationMs) : 0,
        uniqueViewers: watchRow?.keys ?? 0,
        watchTimeSec: { total: Number(watchRow?.total ?? 0) / 1000, median: Number(watchRow?.median ?? 0) / 1000 },
        retention: retention.rows.map((r) => ({ at: at(r.bucket), viewers: r.level })),
        chat,
        reactions,
        stage: {
          guests: stageRow?.keys ?? 0,
          stageTimeSec: Number(stageRow?.total ?? 0) / 1000,
          ...requests,
        },
        activity: Array.from({ length: axis.count }, (_, bucket) => ({
          at: at(bucket),
          chatMessages: chatBuckets.get(bucket) ?? 0,
          reactions: sum(reactionsIn.get(bucket)),
        })),
        topMoments: [...reactionsIn]
          .map(([bucket, byEmoji]) => ({ bucket, reactions: sum(byEmoji), byEmoji }))
          .sort((a, b) => b.reactions - a.reactions || a.bucket - b.bucket)
          .slice(0, TOP_MOMENTS)
          .map(({ bucket, reactions: n, byEmoji }) => ({ at: at(bucket), reactions: n, byEmoji })),
        media,
      };
    });
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The session's connection pieces matching `where`, clipped to its window, as (key, f, u). */
function clippedSpans(window: Window, where: RawBuilder<unknown>): RawBuilder<unknown> {
  const spans = connectionSpans(oneSession(window.sessionId), 'ms', window.endMs);
  const start = sql`${String(window.startMs)}::bigint`;
  const end = sql`${String(window.endMs)}::bigint`;
  return sql`
    select key, f, u from (
      select identity as key, greatest(from_t, ${start}) as f, least(until_t, ${end}) as u from (${spans}) as s where ${where}
    ) as clipped where u > f`;
}

async function stageRequests(trx: Trx, sessionId: string) {
  const { rows } = await sql<{ requests: number; approved: number; invites: number; accepted: number }>`
    select count(*) filter (where kind = 'request')::int as requests,
      count(*) filter (where kind = 'request' and status = 'approved')::int as approved,
      count(*) filter (where kind = 'invite')::int as invites,
      count(*) filter (where kind = 'invite' and status = 'accepted')::int as accepted
    from stage_requests where session_id = ${sessionId}`.execute(trx);
  const r = rows[0] ?? { requests: 0, approved: 0, invites: 0, accepted: 0 };
  return {
    requests: r.requests,
    approved: r.approved,
    approvalRate: r.requests > 0 ? round2(r.approved / r.requests) : null,
    invites: r.invites,
    invitesAccepted: r.accepted,
  };
}

async function chatTotals(trx: Trx, sessionId: string) {
  const row = await trx
    .selectFrom('chat_messages')
    .select([sql<number>`count(*)::int`.as('messages'), sql<number>`count(distinct user_id)::int`.as('chatters')])
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return { messages: row?.messages ?? 0, chatters: row?.chatters ?? 0 };
}

/** Messages per bucket; one sent in the instant the session ended counts in the last bucket. */
async function chatPerBucket(trx: Trx, window: Window, axis: Buckets): Promise<Map<number, number>> {
  if (axis.count === 0) return new Map();
  const { rows } = await sql<{ bucket: number; n: number }>`
    select least(greatest((${epochMs(sql.ref('created_at'))} - ${String(window.startMs)}::bigint) / ${String(BUCKET_MS)}::bigint, 0), ${axis.count - 1}::int)::int as bucket,
      count(*)::int as n
    from chat_messages where session_id = ${window.sessionId}
    group by 1`.execute(trx);
  return new Map(rows.map((r) => [r.bucket, r.n]));
}

async function reactionTotals(trx: Trx, sessionId: string): Promise<Record<string, number>> {
  const rows = await trx
    .selectFrom('reaction_totals')
    .select(['emoji', 'count'])
    .where('session_id', '=', sessionId)
    .orderBy('emoji')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.emoji, Number(r.count)]));
}

/** Taps accepted in the second after the end (the live check is cached) count in the last bucket. */
async function reactionsPerBucket(trx: Trx, sessionId: string, axis: Buckets) {
  if (axis.count === 0) return [];
  const { rows } = await sql<{ bucket: number; emoji: string; count: string | number }>`
    select least(bucket, ${axis.count - 1}::int) as bucket, emoji, sum(count) as count
    from reaction_buckets where session_id = ${sessionId}
    group by 1, 2`.execute(trx);
  return rows.map((r) => ({ bucket: Number(r.bucket), emoji: r.emoji, count: Number(r.count) }));
}
