import type { SessionStore } from '@golive/sdk';
import { useContext } from 'react';
import { SessionStoreContext } from './golive-context.ts';

/**
 * The store passed in, else the nearest <SessionProvider>'s; throws, saying what to do, when
 * there is neither. Every session hook goes through it.
 */
export function useEnsureSessionStore(store?: SessionStore): SessionStore {
  const fromContext = useContext(SessionStoreContext);
  const found = store ?? fromContext;
  if (!found) {
    throw new Error(
      'No golive session here. Render this component inside <SessionProvider sessionId={id}> (or <SessionProvider store={useSessionStore(id)}>), or pass the store to the hook.',
    );
  }
  return found;
}
