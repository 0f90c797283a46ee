// The metric names (and label matchers) a PromQL expression reads, for checking alert rules and
// dashboards against what golive and livekit-server export. Enough PromQL for those files:
// selectors, functions, aggregations with by/without, binary operators with on/ignoring.

export type MetricReference = { name: string; labels: string[] };

/** Words that look like metric names in PromQL but are not: aggregations (before by/without), keywords. */
const KEYWORDS = new Set([
  ...['sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values'],
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'],
]);

export function metricReferences(expr: string): MetricReference[] {
  const stripped = expr
    // Strings first: a label value may contain anything.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    // Ranges and subqueries: [5m], [1h:1m].
    .replace(/\[[^\]]*\]/g, '')
    // Label lists of aggregations and vector matching: by (le, route), on (instance).
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const out: MetricReference[] = [];
  // An identifier not preceded by a word character or a dot (so not inside 1e3 or 0.05), with its matchers.
  for (const match of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name = '', matchers, call] = match;
    if (call && !matchers) continue; // a function or an aggregation
    if (KEYWORDS.has(name)) continue;
    const labels = [...(matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? '');
    out.push({ name, labels });
  }
  return out;
}

/** Metric families of a Prometheus text exposition, from its TYPE lines, with the labels its samples carry. */
export function exposition(text: string): Map<string, { type: string; labels: Set<string> }> {
  const families = new Map<string, { type: string; labels: Set<string> }>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) families.set(type[1], { type: type[2], labels: new Set() });
  }
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} \S+/.exec(line);
    if (!sample?.[1]) continue;
    const family = familyOf(families, sample[1]);
    if (!family) continue;
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g))
      if (m[1] && m[1] !== 'le' && m[1] !== 'quantile') family.labels.add(m[1]);
  }
  return families;
}

/** The family a sample or selector name belongs to: itself, or a histogram's _bucket, _sum and _count. */
export function familyOf<T extends { type: string }>(families: Map<string, T>, name: string): T | undefined {
  const own = families.get(name);
  if (own) return own;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  const family = base ? families.get(base) : undefined;
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}
