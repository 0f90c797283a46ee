import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useSessionSnapshot } from './use-session-snapshot.ts';

/** My role in the session (host, cohost, guest, viewer or observer), following every change; null before the join answer. */
export function useSessionRole(store?: SessionStore): SessionSnapshot['role'] {
  return useSessionSnapshot((s) => s.role, store);
}
