import { useSessionPermissions } from '@golive/react';
import { useState } from 'react';
import { describeError } from '../golive/errors.ts';
import { useActiveRecording } from '../golive/use-active-recording.ts';
import { LiveTimer } from './LiveBadge.tsx';

/** The Studio's Record and Stop, with REC and the time recorded so far; for whoever may record (host, admin). */
export function RecordControls({ sessionId }: { sessionId: string }) {
  const { canRecord } = useSessionPermissions();
  const recording = useActiveRecording(sessionId);
  const [error, setError] = useState<string | null>(null);
  if (!canRecord) return recording.active ? <RecIndicator since={recording.active.startedAt} /> : null;

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <div className="record-controls">
      {recording.active ? (
        <>
          <RecIndicator since={recording.active.startedAt} />
          <button type="button" className="btn btn-small" disabled={recording.busy} onClick={() => void act(recording.stop)}>
            ■ Stop recording
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-small btn-record" disabled={recording.busy} onClick={() => void act(recording.start)}>
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
      Recording
    </span>
  );
}
