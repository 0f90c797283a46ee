import type { Replay } from '@golive/sdk';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { useUser } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { formatBytes, formatClock, useRecordingActions, useReplays } from '../golive/recordings.ts';

const STATUS: Record<Replay['status'], string> = {
  recording: 'Recording…',
  processing: 'Processing…',
  ready: 'Ready',
  failed: 'Failed',
};

/** The recordings this user may play; the host (or an admin) makes one public or private, or deletes it. */
export function Replays() {
  const replays = useReplays();
  const [deleting, setDeleting] = useState<Replay | null>(null);
  const [error, setError] = useState<string | null>(null);
  const actions = useRecordingActions();
  /** Runs an action; false (with the error shown) when it failed. */
  const act = async (what: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await what();
      return true;
    } catch (e) {
      setError(describeError(e));
      return false;
    }
  };

  return (
    <section className="replays" aria-labelledby="replays-title">
      <div className="page-head">
        <h1 id="replays-title">Replays</h1>
      </div>
      {(error || replays.error) && (
        <p role="alert" className="error">
          {error ?? describeError(replays.error)}
        </p>
      )}
      {replays.isPending && <p className="muted">Loading…</p>}
      {replays.data?.length === 0 && (
        <div className="empty">
          <div className="empty-art" aria-hidden="true">
            🎞
          </div>
          <h2>No replays yet</h2>
          <p className="muted">Record a live from your Studio, and its replay shows up here.</p>
        </div>
      )}
      {replays.data && replays.data.length > 0 && (
        <ul className="replay-list">
          {replays.data.map((r) => (
            <ReplayRow
              key={r.id}
              replay={r}
              onVisibility={(visibility) => act(() => actions.setVisibility.mutateAsync({ recordingId: r.id, visibility }))}
              onDelete={() => setDeleting(r)}
            />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this recording?"
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (target) void act(() => actions.remove.mutateAsync(target.id));
        }}
      >
        <p>The file is removed for good, for everyone.</p>
      </ConfirmDialog>
    </section>
  );
}

function ReplayRow({
  replay,
  onVisibility,
  onDelete,
}: {
  replay: Replay;
  onVisibility: (visibility: Replay['visibility']) => Promise<boolean>;
  onDelete: () => void;
}) {
  const user = useUser();
  // The switch flips at once; the list's next read confirms it (or a failure puts it back).
  const [asked, setAsked] = useState<Replay['visibility'] | null>(null);
  const visibility = asked ?? replay.visibility;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new visibility from the server ends the wait
  useEffect(() => setAsked(null), [replay.visibility]);
  const title = titleOf(replay);
  const host = replay.session.host;
  const mine = user.admin || host?.id === user.id;
  const started = new Date(replay.startedAt);
  return (
    <li className="replay-row" data-status={replay.status}>
      <div className="replay-info">
        {replay.status === 'ready' ? (
          <Link to={`/replays/${replay.id}`} className="replay-title" aria-label={`Play: ${title}`}>
            {title}
          </Link>
        ) : (
          <span className="replay-title">{title}</span>
        )}
        <span className="muted small">
          {`${host.name} · `}
          <time dateTime={replay.startedAt}>{started.toLocaleString()}</time>
          {replay.durationSec !== null && ` · ${formatClock(replay.durationSec)}`}
          {replay.sizeBytes !== null && ` · ${formatBytes(replay.sizeBytes)}`}
        </span>
      </div>
      <span className={`replay-status status-${replay.status}`} title={replay.error ?? undefined}>
        {STATUS[replay.status]}
        {replay.interrupted && ' (interrupted)'}
      </span>
      {mine && (
        <div className="replay-actions">
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              aria-checked={visibility === 'public'}
              checked={visibility === 'public'}
              aria-label={`Public: ${title}`}
              onChange={(e) => {
                const next = e.target.checked ? 'public' : 'private';
                setAsked(next);
                void onVisibility(next).then((ok) => ok || setAsked(null));
              }}
            />
            Public
          </label>
          <button type="button" className="btn btn-small btn-ghost" aria-label={`Delete ${title}`} onClick={onDelete}>
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

export function titleOf(replay: Replay): string {
  return replay.session.title;
}
