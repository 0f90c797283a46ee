// golive as a real child process (node server/src/main.ts), for tests that kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { eventually } from './harness.ts';

const MAIN = resolve(import.meta.dirname, '../src/main.ts');

export type Golive = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> };

/** main.ts with exactly this environment (nothing inherited but PATH and HOME). */
export function startGolive(env: Record<string, string>): Golive {
  const child = spawn(process.execPath, [MAIN], {
    // A free RTMP port unless a test says otherwise: several instances run at once.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', RTMP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (process.env.GOLIVE_TEST_LOGS === '1') process.stderr.write(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for /readyz to answer 200, failing early with the output if golive exits. */
export async function waitReady(golive: Golive, baseUrl: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      if (golive.child.exitCode !== null) throw new Error(`golive exited early:\n${golive.stderr()}${golive.stdout().slice(-3000)}`);
      return (await fetch(`${baseUrl}/readyz`)).status === 200;
    },
    { timeoutMs, intervalMs: 100, what: `golive /readyz at ${baseUrl}` },
  );
}

export async function exitWithin(golive: Golive, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`golive did not exit within ${ms} ms:\n${golive.stdout().slice(-2000)}`)), ms);
  });
  try {
    return await Promise.race([golive.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
