import type { LoadResult } from '../load/jobs.ts';
import type { Figures, Measurement } from '../scenarios/types.ts';
import { median, summarizeLatencies } from './stats.ts';

/** One round's figures from a load result and the CPU each process used meanwhile. */
export function figuresOf(
  result: LoadResult,
  cpuCores: Record<string, number>,
  options: { throughput?: boolean; eventLoopDelayP99Ms?: number; serverProcess?: string } = {},
): Figures {
  const latency = summarizeLatencies(result.latenciesMs);
  const count = Object.values(result.statuses).reduce((a, b) => a + b, 0);
  const reqPerSec = result.ok / result.wallSec;
  const serverCores = options.serverProcess ? cpuCores[options.serverProcess] : undefined;
  return {
    ...(options.throughput ? { reqPerSec } : {}),
    ...(options.throughput && serverCores !== undefined ? { serverCpuUsPerRequest: (serverCores / reqPerSec) * 1e6 } : {}),
    p50: latency.p50,
    p95: latency.p95,
    p99: latency.p99,
    max: latency.max,
    count,
    failed: count - result.ok,
    cpuCores,
    ...(options.eventLoopDelayP99Ms === undefined ? {} : { eventLoopDelayP99Ms: options.eventLoopDelayP99Ms }),
  };
}

/** A measurement: its rounds and the median of every figure over them (failures are summed). */
export function measurementOf(label: string, kind: Measurement['kind'], rounds: Figures[]): Measurement {
  const med = (pick: (f: Figures) => number | undefined): number => median(rounds.map(pick).filter((v): v is number => v !== undefined));
  const processes = [...new Set(rounds.flatMap((r) => Object.keys(r.cpuCores)))];
  const first = rounds[0];
  return {
    label,
    kind,
    rounds,
    median: {
      ...(first?.reqPerSec === undefined ? {} : { reqPerSec: med((f) => f.reqPerSec) }),
      p50: med((f) => f.p50),
      p95: med((f) => f.p95),
      p99: med((f) => f.p99),
      max: med((f) => f.max),
      count: rounds.reduce((sum, f) => sum + f.count, 0),
      failed: rounds.reduce((sum, f) => sum + f.failed, 0),
      cpuCores: Object.fromEntries(processes.map((p) => [p, med((f) => f.cpuCores[p])])),
      ...(first?.serverCpuUsPerRequest === undefined ? {} : { serverCpuUsPerRequest: med((f) => f.serverCpuUsPerRequest) }),
      ...(first?.eventLoopDelayP99Ms === undefined ? {} : { eventLoopDelayP99Ms: med((f) => f.eventLoopDelayP99Ms) }),
    },
  };
}

/** Median over rounds of subject/baseline of a figure, pairing round i with round i (noise moves both). */
export function pairedRatio(subject: Measurement, baseline: Measurement, pick: (f: Figures) => number | undefined): number {
  const ratios = subject.rounds.flatMap((s, i) => {
    const b = baseline.rounds[i];
    const sv = pick(s);
    const bv = b ? pick(b) : undefined;
    return sv === undefined || bv === undefined || bv === 0 ? [] : [sv / bv];
  });
  return median(ratios);
}
