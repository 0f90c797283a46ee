import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type GoliveSessionView = Pick<
  SessionSnapshot,
  'phase' | 'error' | 'connection' | 'grant' | 'session' | 'ended' | 'removed' | 'me'
> & {
  /** The store itself, for its actions (end, report, updateSettings, ...). */
  store: SessionStore;
};

/** Where the session stands: phase, refusal, realtime connection, the join grant, the session. */
export function useGoliveSession(store?: SessionStore): GoliveSessionView {
  const found = useEnsureSessionStore(store);
  const phase = useSessionSnapshot((s) => s.phase, found);
  const error = useSessionSnapshot((s) => s.error, found);
  const connection = useSessionSnapshot((s) => s.connection, found);
  const grant = useSessionSnapshot((s) => s.grant, found);
  const session = useSessionSnapshot((s) => s.session, found);
  const ended = useSessionSnapshot((s) => s.ended, found);
  const removed = useSessionSnapshot((s) => s.removed, found);
  const me = useSessionSnapshot((s) => s.me, found);
  return { phase, error, connection, grant, session, ended, removed, me, store: found };
}
