import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useAuth } from '../golive/auth.tsx';

/** The platform's figures over [from, to) (getPlatformStats, admins); the last answer stays while the next loads. */
export function usePlatformStats(window: { from: string; to: string }, options: { enabled: boolean }) {
  const { client } = useAuth();
  return useQuery({
    queryKey: ['admin', 'stats', window.from, window.to],
    queryFn: ({ signal }) => client.getPlatformStats(window, { signal }),
    placeholderData: keepPreviousData,
    enabled: options.enabled,
  });
}
