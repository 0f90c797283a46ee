import { type RawBuilder, sql } from 'kysely';

/**
 * SQL over half-open integer intervals [f, u) (epoch ms), shared by session and platform stats.
 * Every query below reads the rows of an `intervals` query with columns `key`, `f`, `u`, already
 * clipped to the window and of positive length.
 */

/** A time axis: `count` buckets of `sizeMs`, the first starting at `startMs`. */
export type Buckets = { startMs: number; sizeMs: number; count: number };

export function bucketsOver(startMs: number, endMs: number, sizeMs: number): Buckets {
  return { startMs, sizeMs, count: Math.max(0, Math.ceil((endMs - startMs) / sizeMs)) };
}

const big = (n: number) => sql`${String(n)}::bigint`;

/**
 * For each bucket, the most intervals open at one instant within it. The level after each
 * instant's edges (leaves and joins summed, so touching intervals never overlap) holds until the
 * next edge; a zero edge at every bucket start samples the level the bucket opens with, so every
 * bucket has a row and its maximum covers the whole bucket. The maximum over buckets is the peak.
 */
export function concurrencyPerBucket(intervals: RawBuilder<unknown>, axis: Buckets): RawBuilder<{ bucket: number; level: number }> {
  const end = axis.startMs + axis.count * axis.sizeMs;
  return sql<{ bucket: number; level: number }>`
    select ((at - ${big(axis.startMs)}) / ${big(axis.sizeMs)})::int as bucket, max(level)::int as level
    from (
      select at, sum(sum(delta)) over (order by at) as level
      from (
        select edge.at, edge.delta
        from (${intervals}) as i
        cross join lateral (values (i.f, 1), (i.u, -1)) as edge (at, delta)
        union all
        select ${big(axis.startMs)} + g * ${big(axis.sizeMs)}, 0 from generate_series(0, ${axis.count - 1}::int) as g
      ) as edges
      group by at
    ) as levels
    where at >= ${big(axis.startMs)} and at < ${big(end)}
    group by 1
    order by 1`;
}

/**
 * Per key, the length of the union of its intervals (overlaps counted once): rows sorted by
 * start, an interval opens a new island when it starts after every earlier one ended.
 */
export function unionPerKey(intervals: RawBuilder<unknown>): RawBuilder<{ key: string; total: string | number }> {
  return sql<{ key: string; total: string | number }>`
    select key, sum(u - f) as total
    from (
      select key, island, min(f) as f, max(u) as u
      from (
        select key, f, u, sum(case when prev_u is null or f > prev_u then 1 else 0 end) over (partition by key order by n) as island
        from (
          select key, f, u, n, max(u) over (partition by key order by n rows between unbounded preceding and 1 preceding) as prev_u
          from (select key, f, u, row_number() over (partition by key order by f, u) as n from (${intervals}) as i) as numbered
        ) as with_prev
      ) as flagged
      group by key, island
    ) as merged
    group by key`;
}

/** How many keys, their total and median (ms), over unionPerKey. */
export function unionSummary(intervals: RawBuilder<unknown>): RawBuilder<{ keys: number; total: string | number; median: number | null }> {
  return sql<{ keys: number; total: string | number; median: number | null }>`
    select count(*)::int as keys, coalesce(sum(total), 0) as total,
      percentile_cont(0.5) within group (order by total::float8) as median
    from (${unionPerKey(intervals)}) as per_key`;
}

/** Σ (u − f): interval time, overlaps counted as often as they overlap (time-weighted concurrency). */
export function totalLength(intervals: RawBuilder<unknown>): RawBuilder<{ total: string | number }> {
  return sql<{ total: string | number }>`select coalesce(sum(u - f), 0) as total from (${intervals}) as i`;
}

/** Epoch milliseconds of a timestamptz column, truncated (as the API's ISO times are). */
export function epochMs(column: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`floor(extract(epoch from ${column}) * 1000)::bigint`;
}
