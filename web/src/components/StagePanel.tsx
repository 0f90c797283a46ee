import { useGoliveSession, useSessionParticipants, useSessionPermissions, useSessionStage } from '@golive/react';
import type { AssignableRole, ParticipantEntry } from '@golive/sdk';
import { useState } from 'react';
import { describeError } from '../golive/errors.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/**
 * Host and co-host controls: stage requests to approve or reject, and everyone in the room. It
 * reads the stage from the session store alone: requests and roles arrive there over realtime,
 * and who is connected from LiveKit (PresenceSync).
 */
export function StagePanel() {
  const { me } = useGoliveSession();
  const stage = useSessionStage();
  const { participants, setRole: changeRole, mute, kick, ban } = useSessionParticipants();
  // The host (or an admin) promotes and demotes co-hosts; co-hosts may not.
  const isHost = useSessionPermissions().canManageCohosts;
  const [error, setError] = useState<string | null>(null);
  const [banTarget, setBanTarget] = useState<ParticipantEntry | null>(null);
  const requests = stage.pending.filter((r) => r.kind === 'request');

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    }
  };

  const setRole = (p: ParticipantEntry, role: AssignableRole) => act(() => changeRole(p.userId, role));
  const others = participants.filter((p) => p.userId !== me?.id && p.role !== 'observer');

  return (
    <div className="stage-panel">
      <section aria-labelledby="requests-title">
        <h3 id="requests-title">
          Requests <span className="count">{requests.length}</span>
        </h3>
        {requests.length === 0 && <p className="muted small">No one is asking to join right now.</p>}
        <ul className="people">
          {requests.map((r) => (
            <li key={r.id} className="person" data-request-user={r.userId}>
              <span className="person-name">{r.userName}</span>
              <span className="person-actions">
                <button
                  type="button"
                  className="btn btn-small btn-primary"
                  aria-label={`Approve ${r.userName}`}
                  onClick={() => act(() => stage.approve(r.id))}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-label={`Reject ${r.userName}`}
                  onClick={() => act(() => stage.reject(r.id))}
                >
                  Reject
                </button>
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="people-title">
        <h3 id="people-title">
          People <span className="count">{others.length}</span>
        </h3>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {others.length === 0 && <p className="muted small">Viewers show up here as they join.</p>}
        <ul className="people">
          {others.map((p) => (
            <li key={p.userId} className="person" data-user={p.userId}>
              <span className="person-name">
                {p.name} <span className={`role-tag role-${p.role}`}>{p.role}</span>
                {!p.connected && <span className="muted small"> (away)</span>}
              </span>
              <span className="person-actions">
                {p.role === 'viewer' && (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Bring ${p.name} on stage`}
                    onClick={() => setRole(p, 'guest')}
                  >
                    Promote
                  </button>
                )}
                {p.role === 'guest' && isHost && (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Make ${p.name} a co-host`}
                    onClick={() => setRole(p, 'cohost')}
                  >
                    Promote
                  </button>
                )}
                {p.role === 'guest' && (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Move ${p.name} off stage`}
                    onClick={() => setRole(p, 'viewer')}
                  >
                    Demote
                  </button>
                )}
                {p.role === 'cohost' && isHost && (
                  <button type="button" className="btn btn-small" aria-label={`Make ${p.name} a guest`} onClick={() => setRole(p, 'guest')}>
                    Demote
                  </button>
                )}
                {(p.role === 'guest' || p.role === 'cohost') && (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Mute ${p.name}`}
                    onClick={() => act(() => mute(p.userId, 'audio'))}
                  >
                    Mute
                  </button>
                )}
                {p.role !== 'host' && (
                  <>
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      aria-label={`Kick ${p.name}`}
                      onClick={() => act(() => kick(p.userId))}
                    >
                      Kick
                    </button>
                    <button type="button" className="btn btn-small btn-danger" aria-label={`Ban ${p.name}`} onClick={() => setBanTarget(p)}>
                      Ban
                    </button>
                  </>
                )}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <ConfirmDialog
        open={banTarget !== null}
        title={`Ban ${banTarget?.name ?? ''}?`}
        confirmLabel="Ban"
        danger
        onCancel={() => setBanTarget(null)}
        onConfirm={() => {
          const target = banTarget;
          setBanTarget(null);
          if (target) void act(() => ban(target.userId));
        }}
      >
        <p>They are removed at once and cannot come back to this live.</p>
      </ConfirmDialog>
    </div>
  );
}
