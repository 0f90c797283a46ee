/**
 * The peak of a batch of connection edges, worked out in memory from the state before it. Exact
 * when every edge of the batch is later than every edge already recorded (the common case: LiveKit
 * sends in time order); otherwise the batch is 'late' and the peak is re-derived from all
 * intervals shortly after (presence.ts).
 */

export type BatchEdge = { kind: 'joined' | 'left'; sid: string; at: Date; counted: boolean };

/** A connection row as it was before the batch. */
export type PriorRow = { joined: boolean; left: boolean; counted: boolean };

export type PeakPlan =
  /** Every edge is in order: the peak is at least `peak`, and the count after is `count`. */
  { kind: 'in-order'; peak: number; count: number } | { kind: 'late' };

export function planPeak(input: {
  edges: readonly BatchEdge[];
  prior: ReadonlyMap<string, PriorRow>;
  /** The exact count before the batch. */
  countBefore: number;
  /** The latest edge already recorded (sessions.last_webhook_at). */
  latestBefore: Date | null;
}): PeakPlan {
  const { edges, prior, countBefore, latestBefore } = input;
  // A tie with a recorded edge is late too: the order at one instant decides the peak.
  if (latestBefore && edges.some((e) => e.at.getTime() <= latestBefore.getTime())) return { kind: 'late' };
  // At one instant leaves come before joins: half-open intervals that touch do not overlap.
  const ordered = [...edges].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === 'left' ? -1 : 1) - (b.kind === 'left' ? -1 : 1));
  const state = new Map<string, PriorRow>();
  let count = countBefore;
  let peak = countBefore;
  for (const edge of ordered) {
    const row = state.get(edge.sid) ?? prior.get(edge.sid) ?? { joined: false, left: false, counted: edge.counted };
    const next = { ...row };
    if (edge.kind === 'joined' && !row.joined) {
      next.joined = true;
      if (!row.left && row.counted) count++;
    } else if (edge.kind === 'left' && !row.left) {
      next.left = true;
      if (row.joined && row.counted) count--;
    }
    state.set(edge.sid, next);
    peak = Math.max(peak, count);
  }
  return { kind: 'in-order', peak, count };
}
