// Processes read from /proc, for the tests and benchmarks that find or kill golive's children.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the direct children of `parent` whose command name is `name` (e.g. livekit-server). */
export function childPids(parent: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so fields are split after the last ')';
      // the kernel keeps only its first 15 characters.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm.startsWith(name.slice(0, 15))) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
