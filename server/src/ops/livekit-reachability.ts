import type { LivekitCallOutcome } from '../adapters/livekit.ts';

/** How recent a room-service call must be to answer for LiveKit without a probe of its own. */
const FRESH_MS = 15_000;

/**
 * Whether LiveKit answers golive, for golive_livekit_up. Every room-service call reports its
 * outcome here (the reconciler's ListRooms every ROOM_CHECK_INTERVAL_MS on the lease holder,
 * starts, effects, /readyz); an instance that made no call lately (a web-only instance, say)
 * probes once when scraped, so the gauge never reports a stale or never-known state.
 */
export class LivekitReachability {
  readonly #probe: () => Promise<unknown>;
  #last: { at: number; reachable: boolean } | null = null;

  /** `probe` is a cheap room-service call; its outcome reaches record() like any other call's. */
  constructor(probe: () => Promise<unknown>) {
    this.#probe = probe;
  }

  record(outcome: LivekitCallOutcome): void {
    this.#last = { at: Date.now(), reachable: outcome !== 'unreachable' };
  }

  async reachable(): Promise<boolean> {
    if (this.#last && Date.now() - this.#last.at < FRESH_MS) return this.#last.reachable;
    await this.#probe().catch(() => undefined);
    return this.#last?.reachable ?? false;
  }
}
