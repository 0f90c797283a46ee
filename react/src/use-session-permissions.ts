import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useSessionSnapshot } from './use-session-snapshot.ts';

/** What I may do in the session now: the server's permissions (or my role's, from older servers), settings applied. */
export function useSessionPermissions(store?: SessionStore): SessionSnapshot['permissions'] {
  return useSessionSnapshot((s) => s.permissions, store);
}
