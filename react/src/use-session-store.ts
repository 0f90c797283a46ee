import { SessionStore } from '@golive/sdk';
import { useEffect, useMemo } from 'react';
import { useGolive } from './use-golive.ts';

/**
 * A session store for this component's lifetime: it joins and subscribes when mounted (or when
 * the session or the user changes) and leaves when unmounted. Hand it to <SessionProvider store>.
 */
export function useSessionStore(sessionId: string): SessionStore {
  const { client, realtime, me } = useGolive();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `me` is read when the store is made; it does not restart a session
  const store = useMemo(() => new SessionStore({ client, realtime, sessionId, me }), [client, realtime, sessionId]);
  useEffect(() => {
    void store.start();
    return () => void store.stop();
  }, [store]);
  return store;
}
