import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useSyncExternalStore } from 'react';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';

/**
 * The session's snapshot, or a part of it, re-rendering only when that part changes. The selector
 * must return a part of the snapshot (or a primitive), not a new object: snapshots are immutable
 * and unchanged parts keep their identity.
 */
export function useSessionSnapshot<T = SessionSnapshot>(
  selector: (snapshot: SessionSnapshot) => T = identity as (snapshot: SessionSnapshot) => T,
  store?: SessionStore,
): T {
  const found = useEnsureSessionStore(store);
  const read = () => selector(found.getSnapshot());
  return useSyncExternalStore(found.subscribe, read, read);
}

function identity(snapshot: SessionSnapshot): SessionSnapshot {
  return snapshot;
}
