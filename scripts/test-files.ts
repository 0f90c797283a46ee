// One test file in its own process, with a wall-clock limit, its output printed whole when it ends
// (two files' lines never interleave), and its counts read from the reporter's summary.
import { spawn } from 'node:child_process';

export type FileOutcome = {
  file: string;
  ok: boolean;
  /** Why it failed: its exit status, a time-out, or counts that do not add up. */
  reason: string;
  counts: { tests: number; pass: number; fail: number; cancelled: number; skipped: number; todo: number };
};

const COUNT_KEYS = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;

export function runFile(
  file: string,
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    nodeArgs: string[];
    limitMs: number;
    /** Where the file's output goes once it ends (default: this process's stdout). */
    write?: (text: string) => void;
  },
): Promise<FileOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    // Its own process group, so a time-out also ends what the file started (livekit-server, ffmpeg, Chromium).
    const child = spawn(process.execPath, [...options.nodeArgs, file], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, options.limitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the file left behind in its group (a child that outlived it) goes too.
      killGroup(child.pid, 'SIGKILL');
      const output = Buffer.concat(chunks).toString('utf8');
      const counts = readCounts(output);
      const seconds = Math.round((Date.now() - started) / 1000);
      let reason = '';
      if (timedOut)
        reason = `did not exit within ${Math.round(options.limitMs / 60_000)} min (killed): a test hung, or a handle kept the process alive`;
      else if (code !== 0) reason = `exited with ${code ?? signal}`;
      else if (counts.tests === 0) reason = 'reported no tests';
      else if (counts.fail > 0 || counts.cancelled > 0) reason = `${counts.fail} failed, ${counts.cancelled} cancelled`;
      else if (counts.pass + counts.skipped + counts.todo !== counts.tests) reason = `${counts.tests} tests but ${counts.pass} passed`;
      (options.write ?? ((text: string) => process.stdout.write(text)))(
        `\n── ${file} (${seconds} s)${reason ? `: FAILED, ${reason}` : ''}\n${output}`,
      );
      resolve({ file, ok: reason === '', reason, counts });
    });
  });
}

/** Runs `task` on every item, at most `limit` at a time; results in the items' order. */
export async function runPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The spec reporter's summary lines: "ℹ tests 12", "ℹ pass 12", ...; the last of each (the summary ends the output). */
export function readCounts(output: string): FileOutcome['counts'] {
  const counts = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  for (const key of COUNT_KEYS) {
    const last = [...output.matchAll(new RegExp(`^ℹ ${key} (\\d+)$`, 'gm'))].at(-1);
    if (last?.[1]) counts[key] = Number(last[1]);
  }
  return counts;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
