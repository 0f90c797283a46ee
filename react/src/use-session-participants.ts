import type { AssignableRole, BanInput, MuteKind, ParticipantEntry, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionParticipantsView = {
  /** Everyone with their role and whether they are connected, host first. */
  participants: readonly ParticipantEntry[];
  setRole: (userId: string, role: AssignableRole) => Promise<void>;
  mute: (userId: string, kind: MuteKind) => Promise<void>;
  kick: (userId: string, reason?: string) => Promise<void>;
  ban: (userId: string, input?: Omit<BanInput, 'userId'>) => Promise<void>;
};

/** The session's participants and the moderation actions on them. */
export function useSessionParticipants(store?: SessionStore): SessionParticipantsView {
  const found = useEnsureSessionStore(store);
  const participants = useSessionSnapshot((s) => s.participants, found);
  return {
    participants,
    setRole: (userId, role) => found.setRole(userId, role),
    mute: (userId, kind) => found.mute(userId, kind),
    kick: (userId, reason) => found.kick(userId, reason),
    ban: (userId, input) => found.ban(userId, input),
  };
}
