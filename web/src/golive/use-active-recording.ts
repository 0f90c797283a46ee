import { useRecordingActions, useSessionRecordings } from './recordings.ts';

export type ActiveRecording = {
  /** The recording in progress, or null. */
  active: { id: string; startedAt: string } | null;
  /** A start or stop is on its way. */
  busy: boolean;
  start: () => Promise<void>;
  stop: () => Promise<void>;
};

/** The session's recording in progress, and Record and Stop, for the host and admins. */
export function useActiveRecording(sessionId: string): ActiveRecording {
  const list = useSessionRecordings(sessionId);
  const { start, stop } = useRecordingActions();
  const running = list.data?.find((r) => r.status === 'recording') ?? null;
  const active = running ? { id: running.id, startedAt: running.startedAt } : null;
  return {
    active,
    busy: start.isPending || stop.isPending,
    start: async () => {
      await start.mutateAsync(sessionId);
    },
    stop: async () => {
      if (active) await stop.mutateAsync({ sessionId, recordingId: active.id });
    },
  };
}
