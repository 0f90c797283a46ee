import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };

export type ProfileSummary = {
  file: string;
  busyMs: number;
  /** Self time by owner: a package, golive's own source folder, Node internals, GC. */
  byOwner: { owner: string; ms: number; share: number }[];
  /** Self time by function. */
  byFunction: { fn: string; ms: number; share: number }[];
  /** Time in a function and everything it called, for golive's own functions and the packages' entry points. */
  inclusive: { fn: string; ms: number; share: number }[];
};

/** The newest .cpuprofile in a folder (what `--cpu-prof` wrote when the child exited). */
export function newestProfile(dir: string): string | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

/**
 * Where the process spent its (non-idle) CPU time after `fromUs` (on the profile's clock, e.g.
 * when the server became ready, so start-up is left out).
 */
export function summarizeProfile(file: string, options: { fromUs?: number; top?: number } = {}): ProfileSummary {
  const top = options.top ?? 15;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (!node || node.callFrame.functionName === '(idle)' || at < (options.fromUs ?? 0)) return;
    busyUs += us;
    const owner = ownerOf(node.callFrame.url, node.callFrame.functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    functions.set(label(node), (functions.get(label(node)) ?? 0) + us);
    // Each of golive's functions, and each library where it is entered from outside itself.
    const seen = new Set<string>();
    for (let cur: ProfileNode | undefined = node; cur; cur = byId.get(parentOf.get(cur.id) ?? -1)) {
      const key = label(cur);
      const parent = byId.get(parentOf.get(cur.id) ?? -1);
      const own = cur.callFrame.url.includes('/server/src/');
      const entered = parent === undefined || ownerOf(parent.callFrame.url, '') !== ownerOf(cur.callFrame.url, '');
      if (seen.has(key) || !isTracked(cur.callFrame.url) || !(own || entered)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  const rank = <K extends string>(map: Map<string, number>, key: K) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, ms: us / 1000, share: us / busyUs }) as { [P in K]: string } & { ms: number; share: number });
  return {
    file,
    busyMs: busyUs / 1000,
    byOwner: rank(owners, 'owner'),
    byFunction: rank(functions, 'fn'),
    inclusive: rank(inclusive, 'fn'),
  };
}

/** golive's own code and the libraries it calls, not Node's or the event loop's plumbing. */
function isTracked(url: string): boolean {
  return /\/server\/src\/|node_modules\/(jose|pg|pg-protocol|kysely|livekit-server-sdk|pino|fast-json-stringify|@fastify\/[^/]+|prom-client|ajv|engine\.io|socket\.io)\//.test(
    url,
  );
}

function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName || '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/(server\/src\/[^/]+)\//.exec(url)?.[1];
  return own ?? shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|server|bench)\//, '$1/');
}

export function renderProfile(summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(6);
  return [
    `CPU profile ${summary.file} (${(summary.busyMs / 1000).toFixed(1)} s busy)`,
    '  by owner (self time):',
    ...summary.byOwner.map((o) => `    ${pct(o.share)}  ${o.owner}`),
    '  by function (self time):',
    ...summary.byFunction.map((f) => `    ${pct(f.share)}  ${f.fn}`),
    "  golive's code and its libraries (inclusive time):",
    ...summary.inclusive.map((f) => `    ${pct(f.share)}  ${f.fn}`),
  ].join('\n');
}
