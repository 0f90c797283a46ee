import type { JoinGrant } from '@golive/sdk';
import { useEffect, useState } from 'react';
import type { EndState } from '../components/StatusScreen.tsx';
import { useAuth } from './auth.tsx';
import { errorCode } from './errors.ts';

/** A join grant for the session (the caller's role and LiveKit token), or why there is none. */
export function useJoin(sessionId: string): { grant: JoinGrant | null; refused: EndState | null; detail: string | null } {
  const { client } = useAuth();
  const [grant, setGrant] = useState<JoinGrant | null>(null);
  const [refused, setRefused] = useState<EndState | null>(null);
  const [detail, setDetail] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setGrant(null);
    setRefused(null);
    client.joinSession(sessionId, { signal: controller.signal }).then(setGrant, (e: unknown) => {
      if (controller.signal.aborted) return;
      const code = errorCode(e);
      setRefused(
        code === 'SESSION_ENDED'
          ? 'ended'
          : code === 'BANNED'
            ? 'banned'
            : code === 'SESSION_FORBIDDEN'
              ? 'forbidden'
              : code === 'SESSION_NOT_FOUND' || code === 'VALIDATION_FAILED'
                ? 'not-found'
                : 'error',
      );
      setDetail(code ? null : String(e));
    });
    return () => controller.abort();
  }, [client, sessionId]);
  return { grant, refused, detail };
}
