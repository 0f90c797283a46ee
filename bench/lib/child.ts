import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { ChildMessage, ProcessStats } from './ipc.ts';

export type ChildOptions = {
  /** Shown in errors and reports, e.g. "golive". */
  name: string;
  script: string;
  env?: Record<string, string>;
  /** Node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  /** stdout and stderr go here, so a child's logging never blocks on a pipe we do not read. */
  logFile: string;
  readyTimeoutMs?: number;
};

/**
 * A bench child process (a server under test, a baseline server or a load generator) that
 * answers typed requests over IPC. It runs on its own event loop, so the figures of one never
 * include the work of another.
 */
export class BenchChild<Ready = unknown> {
  readonly name: string;
  readonly ready: Ready;
  readonly #child: ChildProcess;
  readonly #logFile: string;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited: Promise<void>;

  private constructor(name: string, child: ChildProcess, ready: Ready, logFile: string, exited: Promise<void>) {
    this.name = name;
    this.#child = child;
    this.ready = ready;
    this.#logFile = logFile;
    this.#exited = exited;
    child.on('message', (message: ChildMessage) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`${name}: ${message.error}`));
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  static async start<Ready>(options: ChildOptions): Promise<BenchChild<Ready>> {
    const fd = openSync(options.logFile, 'w');
    const child = fork(options.script, [], {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    let exitCode: number | null = null;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    const tail = () => readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 30_000} ms; its log:\n${tail()}`));
      }, options.readyTimeoutMs ?? 30_000);
      child.once('message', (message: ChildMessage) => {
        clearTimeout(timer);
        if (message.ok) resolve(message.result as Ready);
        else reject(new Error(`${options.name} failed to start: ${message.error}`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (code ${exitCode}) during start-up; its log (${options.logFile}):\n${tail()}`));
      });
    });
    const handle = new BenchChild<Ready>(options.name, child, ready, options.logFile, exited);
    void exited.then(() => {
      for (const pending of handle.#pending.values()) {
        pending.reject(new Error(`${options.name} exited (code ${exitCode}); its log (${options.logFile}):\n${tail()}`));
      }
      handle.#pending.clear();
    });
    return handle;
  }

  call<T>(type: string, payload?: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, type, payload });
    });
  }

  /** Event-loop delay since the previous call, and memory. */
  stats(): Promise<ProcessStats> {
    return this.call<ProcessStats>('stats');
  }

  /** Asks the child to clean up and exit (so profiles are written); kills it after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ id: this.#nextId++, type: 'stop' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  get logFile(): string {
    return this.#logFile;
  }
}
