import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionStageView = Omit<SessionSnapshot['stage'], 'decided'> & {
  /** Whether I may ask to come on stage now (a viewer, with guests allowed). */
  canRequest: boolean;
  /** Whether I decide on requests and invite (host, co-host or admin). */
  canModerate: boolean;
  request: () => Promise<void>;
  cancel: () => Promise<void>;
  accept: (requestId: string) => Promise<void>;
  decline: (requestId: string) => Promise<void>;
  leave: () => Promise<void>;
  approve: (requestId: string) => Promise<void>;
  reject: (requestId: string) => Promise<void>;
  inviteUser: (userId: string) => Promise<void>;
};

/** Stage requests and invites: mine as a viewer, everyone's as a moderator, and the actions on them. */
export function useSessionStage(store?: SessionStore): SessionStageView {
  const found = useEnsureSessionStore(store);
  const stage = useSessionSnapshot((s) => s.stage, found);
  const canRequest = useSessionSnapshot((s) => s.phase === 'live' && s.permissions.canRequestStage, found);
  const canModerate = useSessionSnapshot((s) => s.permissions.canModerate, found);
  return {
    pending: stage.pending,
    mine: stage.mine,
    invite: stage.invite,
    canRequest,
    canModerate,
    request: () => found.requestStage(),
    cancel: () => found.cancelStageRequest(),
    accept: (id) => found.acceptInvite(id),
    decline: (id) => found.declineInvite(id),
    leave: () => found.leaveStage(),
    approve: (id) => found.approveRequest(id),
    reject: (id) => found.rejectRequest(id),
    inviteUser: (userId) => found.invite(userId),
  };
}
