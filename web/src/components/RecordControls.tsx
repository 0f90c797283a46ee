import { useSessionRecording } from '@golive/react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../golive/errors.ts';
import { LiveTimer } from './LiveBadge.tsx';

/** The Studio's Record and Stop, with REC and the time recorded so far; for whoever may record (host, admin). */
export function RecordControls() {
  const { recording, canRecord, start, stop } = useSessionRecording();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!canRecord) return recording ? <RecIndicator since={recording.startedAt} /> : null;

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
      // The session's list of recordings (the ended screen, Replays) changed too.
      void queryClient.invalidateQueries({ queryKey: ['recordings'] });
    }
  };
  return (
    <div className="record-controls">
      {recording ? (
        <>
          <RecIndicator since={recording.startedAt} />
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void act(stop)}>
            ■ Stop recording
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-small btn-record" disabled={busy} onClick={() => void act(start)}>
          <span className="rec-dot" aria-hidden="true" /> Record
        </button>
      )}
      {error && (
        <p role="alert" className="error record-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** REC and the time since the recording started. */
export function RecIndicator({ since }: { since: string }) {
  return (
    <span className="rec-indicator" role="status" data-testid="rec-indicator">
      <span className="rec-dot" aria-hidden="true" />
      REC
      <LiveTimer since={since} label="recording for " />
    </span>
  );
}

/** What viewers see while the session is being recorded. */
export function RecordingBadge() {
  return (
    <span className="recording-badge" role="status" data-testid="recording-badge">
      <span className="rec-dot" aria-hidden="true" />
      <span className="recording-label">Recording</span>
    </span>
  );
}
