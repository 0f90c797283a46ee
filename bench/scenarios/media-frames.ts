// Measuring stamped frames across rtc-node client processes: clock offsets between processes,
// and a measurement window that turns the publishers' capture times and the subscribers'
// receive times into glass-to-glass latencies and delivery.
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import type { BenchChild } from '../lib/child.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { summarizeLatencies } from '../lib/stats.ts';
import type { ReceivedFrames } from '../load/media-jobs.ts';
import { hostSnapshot, hostUsageSince } from './media-host.ts';
import type { BenchContext, Figures } from './types.ts';

/** A media-clients child and how far its clock is ahead of the orchestrator's (ms). */
export type MediaChild = { name: string; child: BenchChild; offsetMs: number };

export async function startMediaChild(ctx: BenchContext, name: string): Promise<MediaChild> {
  const child = await ctx.startChild(name, join(BENCH_ROOT, 'load/media-clients.ts'), {});
  return { name, child, offsetMs: await clockOffset(child) };
}

const now = () => performance.timeOrigin + performance.now();

/** The child's epoch clock minus ours, from the IPC round trip with the least delay. */
async function clockOffset(child: BenchChild): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 25; i++) {
    const t0 = now();
    const theirs = await child.call<number>('clock');
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: theirs - (t0 + t1) / 2 };
  }
  return best.offset;
}

/** A published stream: which child publishes it, under which key, as which LiveKit identity. */
export type Stream = { publisher: MediaChild; key: string; identity: string };

export type WindowResult = {
  figures: Figures;
  /** Frames each subscriber should have received (captured in the window × subscribers) and did receive. */
  expected: number;
  received: number;
  /** Per subscriber, the frames of its stream that reached any of that stream's subscribers, summed. */
  reachedAny: number;
  subscribers: number;
  /** The busiest processes outside the groups measured (other work on the host), by command name. */
  others: { name: string; cores: number }[];
};

/**
 * Watches every stream for `seconds`: the frames each publisher captured in that time, which of
 * them each subscriber decoded, and how long after capture (on one clock). CPU is reported per
 * named process group: each group's pids summed; "machine" is everything running on the host.
 */
export async function measureWindow(options: {
  streams: Stream[];
  subscriberChildren: MediaChild[];
  seconds: number;
  cpuGroups: Record<string, number[]>;
}): Promise<WindowResult> {
  const publisherChildren = [...new Set(options.streams.map((s) => s.publisher))];
  const marks = async () => {
    const all = await Promise.all(publisherChildren.map(async (p) => [p, await p.child.call<Record<string, number>>('marks')] as const));
    return new Map(all);
  };
  const before = hostSnapshot(options.cpuGroups);
  const from = await marks();
  await pause(options.seconds * 1000);
  const to = await marks();
  const { cores: cpuCores, others } = hostUsageSince(before, options.cpuGroups);
  // Frames captured just before the end are still on their way.
  await pause(1000);

  const ranges = new Map<string, { stream: Stream; from: number; to: number; sent: number[] }>();
  for (const stream of options.streams) {
    const a = from.get(stream.publisher)?.[stream.key] ?? 0;
    const b = to.get(stream.publisher)?.[stream.key] ?? 0;
    const sent = await stream.publisher.child.call<number[]>('sentTimes', { key: stream.key, from: a, to: b });
    ranges.set(stream.identity, { stream, from: a, to: b, sent: sent.map((t) => t - stream.publisher.offsetMs) });
  }
  const query = { ranges: Object.fromEntries([...ranges].map(([identity, r]) => [identity, [r.from, r.to]])) };
  const latencies: number[] = [];
  let expected = 0;
  let received = 0;
  let subscribers = 0;
  const seenByStream = new Map<string, Set<number>[]>();
  for (const sub of options.subscriberChildren) {
    for (const s of await sub.child.call<ReceivedFrames>('frames', query)) {
      const range = ranges.get(s.fromIdentity);
      if (!range) continue;
      subscribers++;
      expected += range.to - range.from;
      const seen = new Set<number>();
      for (const [seq, at] of s.frames) {
        if (seen.has(seq)) continue;
        seen.add(seq);
        const sentAt = range.sent[seq - range.from];
        if (sentAt !== undefined && Number.isFinite(sentAt)) latencies.push(at - sub.offsetMs - sentAt);
      }
      received += seen.size;
      seenByStream.set(s.fromIdentity, [...(seenByStream.get(s.fromIdentity) ?? []), seen]);
    }
  }
  // Frames that reached at least one subscriber of their stream left the publisher's encoder and
  // the SFU; a subscriber missing one of those lost it on its own path (SFU → its decoder).
  let reachedAny = 0;
  for (const sets of seenByStream.values()) {
    const union = new Set<number>();
    for (const set of sets) for (const seq of set) union.add(seq);
    reachedAny += union.size * sets.length;
  }
  const latency = summarizeLatencies(latencies);
  return {
    figures: {
      p50: latency.p50,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
      count: received,
      failed: expected - received,
      cpuCores,
    },
    expected,
    received,
    reachedAny,
    subscribers,
    others,
  };
}

export function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Delivered frames, of those captured and of those that reached any subscriber of the stream. */
export function delivery(w: WindowResult): string {
  return `${pct(w.received / Math.max(1, w.expected))} of captured frames delivered (${pct(w.received / Math.max(1, w.reachedAny))} of forwarded)`;
}

/** The busiest processes outside the bench, e.g. "node chat-clients.ts 0.31, postgres 0.10". */
export function busiest(w: WindowResult): string {
  return w.others.map((o) => `${o.name} ${o.cores.toFixed(2)}`).join(', ');
}

/** One line for the log. */
export function describe(w: WindowResult): string {
  const cores = Object.entries(w.figures.cpuCores)
    .map(([name, v]) => `${name} ${v.toFixed(2)}`)
    .join(', ');
  return (
    `${delivery(w)}, p50 ${w.figures.p50.toFixed(0)} ms, p95 ${w.figures.p95.toFixed(0)} ms, ` +
    `p99 ${w.figures.p99.toFixed(0)} ms; cores: ${cores}${(w.figures.cpuCores.other ?? 0) >= 0.2 ? ` (other: ${busiest(w)})` : ''}`
  );
}
