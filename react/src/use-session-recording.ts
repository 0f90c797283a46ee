import type { RecordingState, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionRecordingView = {
  /** The recording in progress (REC for the host, a "Recording" badge for viewers); null when none. */
  recording: RecordingState | null;
  /** Whether I may start and stop recordings (the host, admins). */
  canRecord: boolean;
  start: () => Promise<void>;
  /** Stops the recording in progress; it is then processed until ready. */
  stop: () => Promise<void>;
};

/** The session's recording, as everyone in it is told (realtime recording.started / recording.stopped). */
export function useSessionRecording(store?: SessionStore): SessionRecordingView {
  const found = useEnsureSessionStore(store);
  const recording = useSessionSnapshot((s) => s.recording, found);
  const canRecord = useSessionSnapshot((s) => s.permissions.canRecord, found);
  return {
    recording,
    canRecord,
    start: async () => {
      await found.startRecording();
    },
    stop: () => found.stopRecording(),
  };
}
