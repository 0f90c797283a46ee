import type { GoliveClient, GoliveRealtime, SessionStore } from '@golive/sdk';
import { createContext } from 'react';

/** What <GoliveProvider> hands down: the signed-in user's client and their one realtime connection. */
export type GoliveContextValue = {
  client: GoliveClient;
  /** The shared realtime connection, connected on first use. */
  realtime: () => Promise<GoliveRealtime>;
  /** The user as golive sees them (GET /v1/me), when the app knows it. */
  me: { id: string; admin: boolean } | undefined;
};

export const GoliveContext = createContext<GoliveContextValue | null>(null);
GoliveContext.displayName = 'GoliveContext';

export const SessionStoreContext = createContext<SessionStore | null>(null);
SessionStoreContext.displayName = 'SessionStoreContext';
