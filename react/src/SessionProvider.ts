import type { SessionStore } from '@golive/sdk';
import { createElement, type ReactNode } from 'react';
import { SessionStoreContext } from './golive-context.ts';
import { useSessionStore } from './use-session-store.ts';

export type SessionProviderProps =
  /** Joins the session itself for as long as it is mounted. */
  | { sessionId: string; store?: never; children?: ReactNode }
  /** Provides a store the app made (useSessionStore, or new SessionStore). */
  | { store: SessionStore; sessionId?: never; children?: ReactNode };

/** Makes one session's store available to the session hooks below it. */
export function SessionProvider(props: SessionProviderProps) {
  if (props.store) return createElement(SessionStoreContext.Provider, { value: props.store }, props.children);
  return createElement(OwnSession, { sessionId: props.sessionId }, props.children);
}

function OwnSession({ sessionId, children }: { sessionId: string; children?: ReactNode }) {
  const store = useSessionStore(sessionId);
  return createElement(SessionStoreContext.Provider, { value: store }, children);
}
