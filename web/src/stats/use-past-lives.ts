import { useInfiniteQuery } from '@tanstack/react-query';
import { useAuth, useUser } from '../golive/auth.tsx';

const PAGE = 20;

/** The signed-in user's ended sessions, newest first, a page at a time. */
export function usePastLives() {
  const { client } = useAuth();
  const user = useUser();
  return useInfiniteQuery({
    queryKey: ['sessions', 'ended', 'host', user.id],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      client.listSessions({ status: 'ended', hostId: user.id, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    getNextPageParam: (page) => page.nextCursor,
  });
}
