import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useSessionSnapshot } from './use-session-snapshot.ts';

/** The live viewer count and peak. */
export function useSessionCounters(store?: SessionStore): SessionSnapshot['counters'] {
  return useSessionSnapshot((s) => s.counters, store);
}
