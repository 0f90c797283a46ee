import type { ChatMessage, ReactionBurst, SessionSubscription, StageRequest } from '@golive/sdk';
import { useEffect, useReducer, useRef, useState } from 'react';
import { useAuth } from './auth.tsx';

export type SessionLive = {
  subscription: SessionSubscription | null;
  error: unknown;
};

type Listeners = {
  onReactions?: (burst: ReactionBurst) => void;
  onStageRequest?: (request: StageRequest) => void;
  onRole?: (event: { userId: string; role: string }) => void;
  onMessage?: (message: ChatMessage) => void;
};

/**
 * Subscribes to a session's realtime state (chat, counters, settings, pin, stage and removal
 * events) and re-renders on every change. The SDK keeps the state; this only forwards updates.
 */
export function useSessionLive(sessionId: string | null, listeners: Listeners = {}): SessionLive {
  const { realtime } = useAuth();
  const [subscription, setSubscription] = useState<SessionSubscription | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const latest = useRef(listeners);
  latest.current = listeners;

  useEffect(() => {
    if (!sessionId) return;
    let cancelled = false;
    let sub: SessionSubscription | null = null;
    const offs: Array<() => void> = [];
    void (async () => {
      try {
        const rt = await realtime();
        sub = await rt.subscribe(sessionId);
        if (cancelled) return void sub.unsubscribe();
        for (const event of ['message', 'deleted', 'pinned', 'counters', 'settings', 'ended', 'removed', 'resumed'] as const) {
          offs.push(sub.on(event, rerender));
        }
        offs.push(sub.on('reactions', (burst) => latest.current.onReactions?.(burst)));
        offs.push(sub.on('stageRequest', (request) => latest.current.onStageRequest?.(request)));
        offs.push(sub.on('role', (event) => latest.current.onRole?.(event)));
        offs.push(sub.on('message', (message) => latest.current.onMessage?.(message)));
        setSubscription(sub);
        setError(null);
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
      for (const off of offs) off();
      if (sub && !sub.ended && !sub.removed) void sub.unsubscribe();
      setSubscription(null);
    };
  }, [sessionId, realtime]);

  return { subscription, error };
}
