import type { AssignableRole, Participant, StageRequest } from '@golive/sdk';
import { useParticipants } from '@livekit/components-react';
import { useCallback, useEffect, useState } from 'react';
import { useAuth } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

type StagePanelProps = {
  sessionId: string;
  /** Requests pushed over realtime; the panel merges them into its list. */
  liveRequests: StageRequest[];
  /** Bumped on every role change pushed over realtime, to refresh the participants. */
  roleVersion: number;
  /** The host may make co-hosts; co-hosts may not. */
  isHost: boolean;
  /** Told how many requests wait, for the tab's badge. */
  onPendingCount?: (count: number) => void;
};

/** Host and co-host controls: stage requests to approve or reject, and everyone in the room. */
export function StagePanel({ sessionId, liveRequests, roleVersion, isHost, onPendingCount }: StagePanelProps) {
  const { client, user } = useAuth();
  const [requests, setRequests] = useState<StageRequest[]>([]);
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [banTarget, setBanTarget] = useState<Participant | null>(null);
  // LiveKit says who is connected right now; re-read golive's roles whenever that changes.
  const connected = useParticipants()
    .map((p) => p.identity)
    .sort()
    .join();

  const refresh = useCallback(async () => {
    try {
      const [r, p] = await Promise.all([client.listStageRequests(sessionId), client.listParticipants(sessionId)]);
      setRequests(r.filter((x) => x.status === 'pending' && x.kind === 'request'));
      setParticipants(p);
    } catch (e) {
      setError(describeError(e));
    }
  }, [client, sessionId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: roleVersion and connected are refresh triggers
  useEffect(() => {
    void refresh();
  }, [refresh, roleVersion, connected]);

  useEffect(() => {
    const timer = setInterval(() => void refresh(), 5000);
    return () => clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    setRequests((current) => {
      const byId = new Map(current.map((r) => [r.id, r]));
      for (const r of liveRequests) {
        if (r.kind !== 'request') continue;
        if (r.status === 'pending') byId.set(r.id, r);
        else byId.delete(r.id);
      }
      return [...byId.values()];
    });
  }, [liveRequests]);

  useEffect(() => onPendingCount?.(requests.length), [requests.length, onPendingCount]);

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    }
    await refresh();
  };

  const setRole = (p: Participant, role: AssignableRole) => act(() => client.setParticipantRole(sessionId, p.userId, role));
  const others = participants.filter((p) => p.userId !== user?.id && p.role !== 'observer');

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
                  onClick={() => act(() => client.approveStageRequest(sessionId, r.id))}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  aria-label={`Reject ${r.userName}`}
                  onClick={() => act(() => client.rejectStageRequest(sessionId, r.id))}
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
                    onClick={() => act(() => client.muteParticipant(sessionId, p.userId, 'audio'))}
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
                      onClick={() => act(() => client.kickParticipant(sessionId, p.userId, {}))}
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
          if (target) void act(() => client.banParticipant(sessionId, { userId: target.userId }));
        }}
      >
        <p>They are removed at once and cannot come back to this live.</p>
      </ConfirmDialog>
    </div>
  );
}
