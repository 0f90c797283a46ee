// Where the host's CPU and memory go during a media measurement: the bench's own processes by
// group, the kernel's interrupt work, and whatever else runs on this shared machine.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cpuSeconds } from '../lib/proc.ts';

export type HostSnapshot = {
  /** CPU seconds so far of each pid of each group. */
  groups: Record<string, Map<number, number>>;
  machine: { busy: number; interrupts: number };
  processes: Map<number, { name: string; cpu: number }>;
  at: number;
};

export type HostUsage = {
  /** Cores used by each group over the interval, plus "interrupts", "other" (the rest of the host) and "machine" (all). */
  cores: Record<string, number>;
  /** The busiest processes outside the groups, by name (other work on the host). */
  others: { name: string; cores: number }[];
};

/** CPU so far of each group of pids, of the whole machine, and of every process. */
export function hostSnapshot(groups: Record<string, number[]>): HostSnapshot {
  return {
    groups: Object.fromEntries(Object.entries(groups).map(([g, pids]) => [g, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))])),
    machine: machineJiffies(),
    processes: allProcesses(),
    at: performance.now(),
  };
}

/** What each group, the kernel and everything else used between `before` and now, in cores. */
export function hostUsageSince(before: HostSnapshot, groups: Record<string, number[]>): HostUsage {
  const wallSec = (performance.now() - before.at) / 1000;
  const cores: Record<string, number> = {};
  // Per pid, so that a process that ended meanwhile (a pooled database backend closed when idle)
  // drops out of its group instead of making the whole group unknown.
  for (const [group, pids] of Object.entries(groups)) {
    const was = before.groups[group] ?? new Map<number, number>();
    cores[group] = sum(pids.map((pid) => cpuSeconds(pid) - (was.get(pid) ?? 0)).filter(Number.isFinite)) / wallSec;
  }
  const machineNow = machineJiffies();
  const machine = (machineNow.busy - before.machine.busy) / 100 / wallSec;
  cores.interrupts = (machineNow.interrupts - before.machine.interrupts) / 100 / wallSec;
  // Other benches, tests, the bench orchestrator, PostgreSQL, and processes that ended meanwhile.
  cores.other = Math.max(0, machine - sum(Object.values(cores)));
  cores.machine = machine;
  const ours = new Set(Object.values(groups).flat());
  const byName = new Map<string, number>();
  for (const [pid, now] of allProcesses()) {
    if (ours.has(pid)) continue;
    const used = now.cpu - (before.processes.get(pid)?.cpu ?? 0);
    if (used > 0) byName.set(now.name, (byName.get(now.name) ?? 0) + used / wallSec);
  }
  const others = [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, c]) => ({ name, cores: c }));
  return { cores, others };
}

/** Resident memory of any process, in MiB (VmRSS), NaN if it is gone. */
export function rssMb(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds so far of every process on the host, by pid, with a short name. */
function allProcesses(): Map<number, { name: string; cpu: number }> {
  const out = new Map<number, { name: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(entry), { name: commandOf(Number(entry)) ?? comm, cpu: cpuSeconds(Number(entry)) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The program, and for node the script it runs ("node chat-clients.ts"). */
function commandOf(pid: number): string | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // PostgreSQL backends rewrite their whole command line as one title ("postgres: 15/main: ...").
    const program = basename((args[0] ?? '').split(' ')[0] ?? '').replace(/:$/, '');
    if (!program) return null;
    if (program !== 'node') return program;
    const script = args.slice(1).find((a) => !a.startsWith('-'));
    return script ? `node ${basename(script)}` : 'node';
  } catch {
    return null;
  }
}

/**
 * CPU time of the whole machine from /proc/stat, in jiffies: busy (user, nice, system, irq,
 * softirq: everything any process or the kernel did) and interrupts alone (irq + softirq: on
 * loopback, mostly moving the packets).
 */
function machineJiffies(): { busy: number; interrupts: number } {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user + nice + system + irq + softirq, interrupts: irq + softirq };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
