import { Link } from 'react-router';
import { formatClock, useSessionRecordings } from '../golive/recordings.ts';

const STATUS = { recording: 'Recording…', processing: 'Processing…', ready: 'Ready', failed: 'Failed' } as const;

/** After the live, the host's recordings of it: processing until ready, then a link to the replay. */
export function SessionRecordings({ sessionId }: { sessionId: string }) {
  const list = useSessionRecordings(sessionId);
  const items = list.data ?? [];
  if (items.length === 0) return null;
  return (
    <section className="session-recordings" aria-label="Recordings of this live">
      <h2>Recordings of this live</h2>
      <ul className="replay-list">
        {items.map((r) => (
          <li key={r.id} className="replay-row" data-status={r.status}>
            <span className="replay-info">
              {r.status === 'ready' ? <Link to={`/replays/${r.id}`}>Watch the replay</Link> : <span>{STATUS[r.status]}</span>}
              <span className="muted small">
                <time dateTime={r.startedAt}>{new Date(r.startedAt).toLocaleTimeString()}</time>
                {r.durationSec !== null && ` · ${formatClock(r.durationSec)}`}
                {r.interrupted && ' · interrupted'}
              </span>
            </span>
          </li>
        ))}
      </ul>
      <Link to="/replays">All your replays</Link>
    </section>
  );
}
