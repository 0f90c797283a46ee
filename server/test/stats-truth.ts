// The figures of getSessionStats computed the slow, obvious way from a session's timeline, for
// tests to compare the SQL against. Written from the definitions in docs/operations.md, sharing
// no code with server/src/stats.

/** One LiveKit connection, times in epoch ms; `leftMs` null while still connected. */
export type TimelineConnection = { identity: string; joinedMs: number; leftMs: number | null; role: string; hidden?: boolean };
/**
 * A stage role change of a user at a time: it re-labels their connections open then, i.e. joined
 * before it and not yet left (hidden observers are never re-labelled).
 */
export type TimelineRoleChange = { identity: string; atMs: number; role: string };

type Piece = { identity: string; from: number; until: number; role: string; counted: boolean };

export type ViewerTruth = {
  peakViewers: number;
  averageViewers: number;
  uniqueViewers: number;
  watchTimeSec: { total: number; median: number };
  retention: { at: string; viewers: number }[];
  stage: { guests: number; stageTimeSec: number };
};

/** Each connection cut at the role changes that fell while it was open, clipped to [startMs, endMs). */
export function pieces(connections: TimelineConnection[], changes: TimelineRoleChange[], startMs: number, endMs: number): Piece[] {
  const out: Piece[] = [];
  for (const c of connections) {
    const end = Math.min(c.leftMs ?? endMs, endMs);
    const observer = c.role === 'observer';
    let role = c.role;
    let counted = c.role === 'viewer' && !c.hidden;
    let from = c.joinedMs;
    const mine = observer
      ? []
      : changes.filter((r) => r.identity === c.identity && r.atMs > c.joinedMs && r.atMs < end).sort((a, b) => a.atMs - b.atMs);
    for (const change of mine) {
      out.push({ identity: c.identity, from, until: change.atMs, role, counted });
      from = change.atMs;
      role = change.role;
      counted = change.role === 'viewer';
    }
    out.push({ identity: c.identity, from, until: end, role, counted });
  }
  return out.map((p) => ({ ...p, from: Math.max(p.from, startMs), until: Math.min(p.until, endMs) })).filter((p) => p.until > p.from);
}

/** How many intervals hold the instant t (half-open: one that ends at t does not). */
export function levelAt(intervals: { from: number; until: number }[], t: number): number {
  return intervals.filter((i) => i.from <= t && t < i.until).length;
}

/** Total length of the union of intervals. */
function unionLength(intervals: { from: number; until: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  let total = 0;
  let open: { from: number; until: number } | null = null;
  for (const i of sorted) {
    if (open && i.from <= open.until) open.until = Math.max(open.until, i.until);
    else {
      if (open) total += open.until - open.from;
      open = { ...i };
    }
  }
  return total + (open ? open.until - open.from : 0);
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Per bucket of [startMs, endMs), the most intervals holding one instant within it. */
export function maxPerBucket(intervals: { from: number; until: number }[], startMs: number, endMs: number, bucketMs: number) {
  // The level only changes where an interval starts or ends: the maximum over a span is at one of those instants.
  const edges = [...new Set(intervals.flatMap((p) => [p.from, p.until]))];
  const out: { at: string; level: number }[] = [];
  for (let at = startMs; at < endMs; at += bucketMs) {
    const instants = [at, ...edges.filter((t) => t > at && t < at + bucketMs && t < endMs)];
    out.push({ at: new Date(at).toISOString(), level: Math.max(...instants.map((t) => levelAt(intervals, t))) });
  }
  return out;
}

export function viewerTruth(
  connections: TimelineConnection[],
  changes: TimelineRoleChange[],
  window: { startMs: number; endMs: number },
  bucketMs = 10_000,
): ViewerTruth {
  const { startMs, endMs } = window;
  const all = pieces(connections, changes, startMs, endMs);
  const viewers = all.filter((p) => p.counted);
  const stage = all.filter((p) => p.role === 'guest' || p.role === 'cohost');
  const retention = maxPerBucket(viewers, startMs, endMs, bucketMs).map((r) => ({ at: r.at, viewers: r.level }));
  const perUser = (ps: Piece[]) => {
    const byUser = new Map<string, Piece[]>();
    for (const p of ps) byUser.set(p.identity, [...(byUser.get(p.identity) ?? []), p]);
    return [...byUser.values()].map(unionLength);
  };
  const watch = perUser(viewers);
  const onStage = perUser(stage);
  const durationMs = endMs - startMs;
  const viewerMs = viewers.reduce((sum, p) => sum + (p.until - p.from), 0);
  return {
    // The most at one instant: a level only rises where an interval starts.
    peakViewers: Math.max(0, ...viewers.map((p) => levelAt(viewers, p.from))),
    averageViewers: durationMs > 0 ? Math.round((viewerMs / durationMs) * 100) / 100 : 0,
    uniqueViewers: watch.length,
    watchTimeSec: { total: watch.reduce((a, b) => a + b, 0) / 1000, median: median(watch) / 1000 },
    retention,
    stage: { guests: onStage.length, stageTimeSec: onStage.reduce((a, b) => a + b, 0) / 1000 },
  };
}
