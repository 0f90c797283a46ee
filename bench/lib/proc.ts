import { readFileSync } from 'node:fs';

export { childPids } from '../../server/test/proc.ts';

const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/**
 * Measures how many cores each named process used while `work` ran: the CPU seconds it used,
 * divided by the wall-clock seconds.
 */
export async function withCpuShare<T>(
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<{ result: T; cores: Record<string, number>; wallSec: number }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const started = performance.now();
  const result = await work();
  const wallSec = (performance.now() - started) / 1000;
  const cores = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, (cpuSeconds(pid) - (before[name] ?? Number.NaN)) / wallSec]),
  );
  return { result, cores, wallSec };
}

/**
 * Waits until every process is idle (under `maxCores` over a short window), for at most
 * `timeoutMs`, so the after-effects of one measurement (webhooks, clean-up) do not land in the next.
 */
export async function settle(pids: number[], options: { maxCores?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const { maxCores = 0.05, windowMs = 200, timeoutMs = 5_000 } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { cores } = await withCpuShare(
      Object.fromEntries(pids.map((pid) => [String(pid), pid])),
      () => new Promise((r) => setTimeout(r, windowMs)),
    );
    if (Object.values(cores).every((c) => !(c > maxCores))) return;
  }
}
