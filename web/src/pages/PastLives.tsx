import { Link } from 'react-router';
import { describeError } from '../golive/errors.ts';
import '../stats/stats.css';
import { formatDuration } from '../stats/format.ts';
import { usePastLives } from '../stats/use-past-lives.ts';

/** The signed-in user's ended lives, each with a link to its summary. */
export function PastLives() {
  const pages = usePastLives();
  const sessions = pages.data?.pages.flatMap((p) => p.sessions) ?? null;
  return (
    <section className="past-lives" aria-labelledby="past-title">
      <div className="page-head">
        <h1 id="past-title">Past lives</h1>
        <Link to="/go-live" className="btn btn-primary">
          Go Live
        </Link>
      </div>
      {pages.error && (
        <p role="alert" className="error">
          {describeError(pages.error)}
        </p>
      )}
      {sessions === null && !pages.error && <p className="muted">Loading…</p>}
      {sessions?.length === 0 && (
        <div className="empty">
          <div className="empty-art" aria-hidden="true">
            📊
          </div>
          <h2>No past lives yet</h2>
          <p className="muted">When you end a live, its summary is kept here.</p>
        </div>
      )}
      {sessions && sessions.length > 0 && (
        <ul className="past-list" aria-label="Your past lives">
          {sessions.map((s) => {
            const durationSec = s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : null;
            return (
              <li key={s.id} className="past-row" data-session-id={s.id}>
                <div className="past-main">
                  <strong>{s.title}</strong>
                  <span className="muted small">
                    {new Date(s.startedAt).toLocaleString()} · {formatDuration(durationSec)} · {s.visibility}
                  </span>
                </div>
                <span className="past-peak">
                  <span className="muted small">Peak</span> {s.peakViewers}
                </span>
                <Link className="btn btn-small" to={`/sessions/${s.id}/summary`} aria-label={`Summary of ${s.title}`}>
                  Summary
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {pages.hasNextPage && (
        <button type="button" className="btn btn-ghost" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {pages.isFetchingNextPage ? 'Loading…' : 'Show older lives'}
        </button>
      )}
    </section>
  );
}
