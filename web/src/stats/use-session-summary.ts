import { useQuery } from '@tanstack/react-query';
import { useAuth } from '../golive/auth.tsx';

/** While the session is live its figures move: read them again this often. */
const LIVE_REFRESH_MS = 10_000;

/** A session and its analytics (getSessionStats: host, co-hosts and admins), live or after the end. */
export function useSessionSummary(sessionId: string) {
  const { client } = useAuth();
  const session = useQuery({
    queryKey: ['sessions', sessionId],
    queryFn: ({ signal }) => client.getSession(sessionId, { signal }),
  });
  const stats = useQuery({
    queryKey: ['sessions', sessionId, 'stats'],
    queryFn: ({ signal }) => client.getSessionStats(sessionId, { signal }),
    refetchInterval: (query) => (query.state.data?.status === 'live' ? LIVE_REFRESH_MS : false),
  });
  return { session: session.data ?? null, stats: stats.data ?? null, error: session.error ?? stats.error };
}
