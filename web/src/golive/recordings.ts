import type { RecordingVisibility } from '@golive/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useAuth } from './auth.tsx';

/** Recordings in the cache: ['recordings', 'session', id], ['recordings', 'replays'], ['recordings', id, ...]. */
const RECORDINGS = ['recordings'] as const;

/**
 * A session's recordings (host and admins). While one is being processed it is read again every
 * few seconds, so "processing" turns into "ready" by itself.
 */
export function useSessionRecordings(sessionId: string, enabled = true) {
  const { client } = useAuth();
  return useQuery({
    queryKey: [...RECORDINGS, 'session', sessionId],
    enabled: enabled && sessionId !== '',
    queryFn: ({ signal }) => client.listRecordings(sessionId, { signal }),
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'processing') ? 2000 : false),
  });
}

/** The recordings this user may play, newest first. */
export function useReplays() {
  const { client } = useAuth();
  return useQuery({
    queryKey: [...RECORDINGS, 'replays'],
    queryFn: ({ signal }) => client.listReplays({}, { signal }),
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'processing' || r.status === 'recording') ? 3000 : false),
  });
}

/** The host's actions on a recording; every list of recordings is read again after each. */
export function useRecordingActions() {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: RECORDINGS });
  const start = useMutation({ mutationFn: (sessionId: string) => client.startRecording(sessionId), onSettled: refresh });
  const stop = useMutation({
    mutationFn: (r: { sessionId: string; recordingId: string }) => client.stopRecording(r.sessionId, r.recordingId),
    onSettled: refresh,
  });
  const setVisibility = useMutation({
    mutationFn: (r: { recordingId: string; visibility: RecordingVisibility }) =>
      client.updateRecording(r.recordingId, { visibility: r.visibility }),
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: (recordingId: string) => client.deleteRecording(recordingId), onSettled: refresh });
  return { start, stop, setVisibility, remove };
}

/** Seconds as m:ss or h:mm:ss. */
export function formatClock(totalSec: number): string {
  const total = Math.max(0, Math.floor(totalSec));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
