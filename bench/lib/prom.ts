// Reading a Prometheus histogram from /metrics text, for figures golive measures itself.

export type Histogram = { buckets: { le: number; count: number }[]; count: number };

/** The cumulative buckets of `name` whose labels include `labels`, summed over other labels. */
export function histogramOf(text: string, name: string, labels: Record<string, string>): Histogram {
  const byLe = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const labelText = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const parsed = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!Object.entries(labels).every(([k, v]) => parsed[k] === v)) continue;
    const le = parsed.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(parsed.le);
    byLe.set(le, (byLe.get(le) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const buckets = [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return { buckets, count: buckets.at(-1)?.count ?? 0 };
}

/** What happened between two scrapes. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const prior = new Map(before.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) }));
  return { buckets, count: buckets.at(-1)?.count ?? 0 };
}

/** The q-quantile (0..1), linearly interpolated inside its bucket, in the histogram's unit. */
export function quantileOf(h: Histogram, q: number): number {
  if (h.count === 0) return Number.NaN;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lower;
      const inBucket = b.count - below;
      return inBucket === 0 ? b.le : lower + ((rank - below) / inBucket) * (b.le - lower);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}
