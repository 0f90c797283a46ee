import { type RawBuilder, sql } from 'kysely';

/** Epoch milliseconds or microseconds. */
export type SpanUnit = 'ms' | 'us';

/** Rows of connectionSpans, as they come back from either driver (int8 may be a string). */
export type SpanRow = {
  session_id: string;
  identity: string;
  role: string;
  counted: boolean;
  from_t: string | number;
  until_t: string | number;
};

/** A time far after any real one, for connections still open when only their start matters. */
export const OPEN_FOREVER = { ms: 253_402_300_799_000, us: 253_402_300_799_000_000 } as const;

/**
 * The connection ledger as spans: each connection's [joined, left) interval, split where its role
 * changed while it was open (participant_role_changes), each piece with the role and "counted"
 * it had then (from joined_role and joined_counted until the first change). A connection still open ends at `openUntil`. Pieces of no length are left out.
 *
 * Times are integers: epoch milliseconds for analytics (the API's resolution, so figures can be
 * recomputed from what the API shows), or microseconds (PostgreSQL's own) where the order of
 * edges within a millisecond matters, as for the live peak.
 *
 * `scope` is a query returning the session ids to read, as a column named `id`.
 */
export function connectionSpans(scope: RawBuilder<unknown>, unit: SpanUnit, openUntil: number): RawBuilder<SpanRow> {
  const scale = unit === 'ms' ? sql.lit(1000) : sql.lit(1_000_000);
  const t = (column: RawBuilder<unknown>) => sql`floor(extract(epoch from ${column}) * ${scale})::bigint`;
  return sql<SpanRow>`
    with scope as (${scope}),
    conn as (
      select c.session_id, c.participant_sid, c.identity, c.joined_role, c.joined_counted,
        ${t(sql.ref('c.joined_at'))} as joined_t,
        coalesce(${t(sql.ref('c.left_at'))}, ${String(openUntil)}::bigint) as left_t
      from participant_connections c
      where c.session_id in (select id from scope) and c.joined_at is not null
    ),
    marks as (
      -- What each connection joined as, then each change of it.
      select c.session_id, c.participant_sid, c.identity, 0::bigint as seq, c.joined_t as at_t,
        c.joined_role as role, c.joined_counted as counted, c.joined_t, c.left_t
      from conn c
      union all
      select c.session_id, c.participant_sid, c.identity, r.id, ${t(sql.ref('r.at'))}, r.role, r.counted, c.joined_t, c.left_t
      from participant_role_changes r
      join conn c on c.session_id = r.session_id and c.participant_sid = r.participant_sid
      where r.session_id in (select id from scope)
    ),
    pieces as (
      -- Ordered by change id (commit order under the session lock); a change stamped before the
      -- join (clock skew) or before the previous change makes a piece of no length, left out below.
      select session_id, identity, role, counted,
        greatest(at_t, joined_t) as from_t,
        least(coalesce(lead(at_t) over (partition by session_id, participant_sid order by seq), left_t), left_t) as until_t
      from marks
    )
    select session_id, identity, role, counted, from_t, until_t from pieces where until_t > from_t`;
}

/** The scope of one session, for connectionSpans. */
export function oneSession(sessionId: string): RawBuilder<unknown> {
  return sql`select ${sessionId}::uuid as id`;
}
