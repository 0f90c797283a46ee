import { useSessionsFeed } from '@golive/react';
import type { Session } from '@golive/sdk';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useAuth } from './auth.tsx';

/** The live sessions lists in the cache: ['sessions', 'live', tag or null]. */
const LIVE = ['sessions', 'live'] as const;

/** Live sessions (optionally with a tag), newest first, as golive lists them to this user. */
export function useLiveSessions(tag: string | null) {
  const { client } = useAuth();
  return useQuery({
    queryKey: [...LIVE, tag],
    queryFn: async ({ signal }) =>
      (await client.listSessions({ status: 'live', limit: 100, ...(tag ? { tag } : {}) }, { signal })).sessions,
  });
}

/**
 * Keeps every cached live-sessions list current from the realtime sessions feed: sessions going
 * live and ending, and viewer counts, with no polling. Mount it once per screen. Answers whether
 * the lists are being kept current ('live'), not yet ('joining'), or not at all ('offline').
 */
export function useLiveSessionsFeed(): 'joining' | 'live' | 'offline' {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<'joining' | 'live' | 'offline'>('joining');
  useSessionsFeed({
    // Joined (or joined again after a drop): read the lists now, so nothing from before is missed.
    ready: () => {
      setStatus('live');
      void queryClient.invalidateQueries({ queryKey: LIVE });
    },
    error: () => setStatus('offline'),
    live: (session) =>
      patchLists(queryClient, (sessions, listTag) => (listTag && !session.tags.includes(listTag) ? sessions : upsert(sessions, session))),
    ended: ({ sessionId }) => patchLists(queryClient, (sessions) => sessions.filter((s) => s.id !== sessionId)),
    counters: (c) =>
      patchLists(queryClient, (sessions) =>
        sessions.map((s) => (s.id === c.sessionId ? { ...s, viewerCount: c.viewerCount, peakViewers: c.peakViewers } : s)),
      ),
  });
  return status;
}

function patchLists(queryClient: QueryClient, patch: (sessions: Session[], tag: string | null) => Session[]): void {
  for (const [key, sessions] of queryClient.getQueriesData<Session[]>({ queryKey: LIVE })) {
    if (sessions) queryClient.setQueryData(key, patch(sessions, (key[2] as string | null | undefined) ?? null));
  }
}

function upsert(sessions: Session[], session: Session): Session[] {
  const others = sessions.filter((s) => s.id !== session.id);
  return [session, ...others].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
