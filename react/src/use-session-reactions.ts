import type { SessionSnapshot, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionReactionsView = SessionSnapshot['reactions'] & {
  /** Whether I may react now (my permissions, with reactions on). */
  canReact: boolean;
  react: (emoji: string) => Promise<void>;
};

/** The deployment's reaction set, running totals, the latest burst (to animate), and react(). */
export function useSessionReactions(store?: SessionStore): SessionReactionsView {
  const found = useEnsureSessionStore(store);
  const reactions = useSessionSnapshot((s) => s.reactions, found);
  const canReact = useSessionSnapshot((s) => s.phase === 'live' && s.permissions.canReact, found);
  return { ...reactions, canReact, react: (emoji) => found.react(emoji) };
}
