import type { Session } from '@golive/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { AdminsOnly } from '../components/AdminsOnly.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { LiveTimer, ViewerCount } from '../components/LiveBadge.tsx';
import { useAuth, useUser } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { useLiveSessions, useLiveSessionsFeed } from '../golive/live-sessions.ts';

/** Reports are not pushed: the open list is read again this often while the page is open. */
const REPORTS_REFRESH_MS = 10_000;

/** Every live session (private ones too) with a kill-switch, open abuse reports, and event logs. */
export function Admin() {
  const user = useUser();
  const { client } = useAuth();
  const queryClient = useQueryClient();
  // An admin's sessions feed carries private sessions too, so the list stays live without polling.
  useLiveSessionsFeed();
  const live = useLiveSessions(null);
  const reports = useQuery({
    queryKey: ['admin', 'reports', 'open'],
    queryFn: ({ signal }) => client.listReports({ status: 'open' }, { signal }),
    enabled: user.admin,
    refetchInterval: REPORTS_REFRESH_MS,
  });
  const resolve = useMutation({
    mutationFn: (reportId: string) => client.resolveReport(reportId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'reports'] }),
  });
  const endSession = useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) => client.endSession(id, reason ? { reason } : {}),
    // The feed removes it from the list too; this covers a feed that is down.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions', 'live'] }),
  });
  const [killTarget, setKillTarget] = useState<Session | null>(null);
  const [reason, setReason] = useState('');
  const [logFor, setLogFor] = useState<string | null>(null);
  const reasonId = useId();
  const sessions = live.data ?? [];
  const openReports = reports.data ?? [];
  const failure = live.error ?? reports.error ?? resolve.error ?? endSession.error;
  const error = failure ? describeError(failure) : null;

  if (!user.admin) return <AdminsOnly />;

  const kill = () => {
    const target = killTarget;
    setKillTarget(null);
    if (!target) return;
    endSession.mutate({ id: target.id, reason: reason.trim() }, { onSuccess: () => setReason('') });
  };

  return (
    <section className="admin" aria-labelledby="admin-title">
      <div className="page-head">
        <h1 id="admin-title">Admin</h1>
        <Link className="btn" to="/admin/stats">
          Platform stats
        </Link>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="admin-grid">
        <section aria-labelledby="admin-live" className="panel">
          <h2 id="admin-live">
            Live sessions <span className="count">{sessions.length}</span>
          </h2>
          {sessions.length === 0 && <p className="muted">Nothing is live.</p>}
          <ul className="admin-list">
            {sessions.map((s) => (
              <li key={s.id} className="admin-row" data-session-id={s.id}>
                <div className="admin-row-main">
                  <strong>{s.title}</strong>
                  <span className="muted small">
                    {s.host.name} · {s.visibility} · {s.mode} · <LiveTimer since={s.startedAt} />
                  </span>
                </div>
                <ViewerCount count={s.viewerCount} />
                <div className="admin-actions">
                  <Link className="btn btn-small" to={`/watch/${s.id}`}>
                    Watch
                  </Link>
                  <button type="button" className="btn btn-small" onClick={() => setLogFor(s.id)} aria-label={`Event log of ${s.title}`}>
                    Events
                  </button>
                  <button type="button" className="btn btn-small btn-danger" onClick={() => setKillTarget(s)} aria-label={`End ${s.title}`}>
                    End
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="admin-reports" className="panel">
          <h2 id="admin-reports">
            Open reports <span className="count">{openReports.length}</span>
          </h2>
          {openReports.length === 0 && <p className="muted">No open reports.</p>}
          <ul className="admin-list">
            {openReports.map((r) => (
              <li key={r.id} className="admin-row">
                <div className="admin-row-main">
                  <strong>{r.reason}</strong>
                  <span className="muted small">
                    by {r.reporterId} · {new Date(r.createdAt).toLocaleString()}
                    {r.messageId ? ' · a chat message' : ''}
                  </span>
                </div>
                <div className="admin-actions">
                  <button type="button" className="btn btn-small" onClick={() => setLogFor(r.sessionId)}>
                    Events
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-primary"
                    disabled={resolve.isPending}
                    onClick={() => resolve.mutate(r.id)}
                  >
                    Resolve
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>
        {logFor && <EventLog sessionId={logFor} onClose={() => setLogFor(null)} />}
      </div>
      <ConfirmDialog
        open={killTarget !== null}
        title={`End “${killTarget?.title ?? ''}” now?`}
        confirmLabel="End live"
        danger
        onCancel={() => setKillTarget(null)}
        onConfirm={kill}
      >
        <label className="field" htmlFor={reasonId}>
          <span>Reason (shown in the event log)</span>
          <input
            id={reasonId}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={200}
            placeholder="e.g. terms violation"
          />
        </label>
      </ConfirmDialog>
    </section>
  );
}

function EventLog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const { client } = useAuth();
  const log = useQuery({
    queryKey: ['sessions', sessionId, 'events'],
    queryFn: async ({ signal }) => (await client.listSessionEvents(sessionId, { limit: 200 }, { signal })).events,
  });
  const events = log.data ?? null;
  const error = log.error ? describeError(log.error) : null;
  return (
    <section aria-labelledby="admin-events" className="panel panel-wide">
      <div className="panel-head">
        <h2 id="admin-events">Event log</h2>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">Session {sessionId}</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {events === null && !error && <p className="muted">Loading…</p>}
      {events && (
        <div className="table-wrap">
          <table className="events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.createdAt).toLocaleTimeString()}</td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>{e.actorId ?? '—'}</td>
                  <td>{e.targetId ?? '—'}</td>
                  <td>{e.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
