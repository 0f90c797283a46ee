import { monitorEventLoopDelay } from 'node:perf_hooks';

/** A request from the bench orchestrator to one of its child processes. */
export type ParentMessage = { id: number; type: string; payload?: unknown };
/** The answer, or the child's one-off "ready" announcement (id 0). */
export type ChildMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export type Handlers = Record<string, (payload: unknown) => Promise<unknown> | unknown>;

/** What every bench child reports about itself: the event-loop delay since the last call, and memory. */
export type ProcessStats = { eventLoopDelayMs: { p50: number; p99: number; max: number }; rssMb: number; heapUsedMb: number };

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function processStats(): ProcessStats {
  const stats: ProcessStats = {
    eventLoopDelayMs: {
      p50: loopDelay.percentile(50) / 1e6,
      p99: loopDelay.percentile(99) / 1e6,
      max: loopDelay.max / 1e6,
    },
    rssMb: process.memoryUsage.rss() / 2 ** 20,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
  loopDelay.reset();
  return stats;
}

/**
 * A child's `gc` request, when it runs with --expose-gc (else null): a full GC, then its memory
 * use. With `{ pressure: true }` it is the GC V8 runs under memory pressure (the gc extension's
 * "last-resort" flavor), which also unmaps the free pages V8 keeps pooled for reuse after the
 * young generation shrinks: RSS that no live object holds.
 */
export function collectGarbage(payload: unknown): NodeJS.MemoryUsage | null {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  if (!gc) return null;
  if ((payload as { pressure?: boolean } | null | undefined)?.pressure === true) {
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } else {
    gc();
  }
  return process.memoryUsage();
}

/**
 * The child side of the bench IPC: announces `ready` once, then answers requests by type.
 * `stop` runs the child's own clean-up and exits normally, so `--cpu-prof` writes its profile.
 */
export function serveParent(ready: unknown, handlers: Handlers & { stop: () => Promise<void> | void }): void {
  const send = (message: ChildMessage) => process.send?.(message);
  if (!process.send) throw new Error('a bench child must be started by the bench orchestrator (it needs an IPC channel)');
  const all: Handlers = { stats: processStats, ...handlers };
  process.on('message', async (raw: ParentMessage) => {
    const handler = all[raw.type];
    try {
      if (!handler) throw new Error(`unknown request ${raw.type}`);
      const result = await handler(raw.payload);
      // The orchestrator waits for the exit, not for an answer.
      if (raw.type === 'stop') process.exit(0);
      send({ id: raw.id, ok: true, result: result ?? null });
    } catch (error) {
      send({ id: raw.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  // The orchestrator died: nothing will stop this child otherwise.
  process.on('disconnect', () => process.exit(0));
  send({ id: 0, ok: true, result: ready });
}
