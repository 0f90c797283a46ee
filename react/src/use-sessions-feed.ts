import type { SessionsFeedEvents } from '@golive/sdk';
import { useEffect, useRef } from 'react';
import { useGolive } from './use-golive.ts';

export type SessionsFeedHandlers = Partial<SessionsFeedEvents> & {
  /** The feed is joined (first time and after each reconnect): read the list now. */
  ready?: () => void;
  /** The feed could not be joined (e.g. the realtime connection was refused). */
  error?: (error: unknown) => void;
};

/**
 * Sessions going live and ending, and their counters, as they happen (no polling). Read the list
 * over HTTP on `ready`, then apply the events to it. Handlers may change on every render.
 */
export function useSessionsFeed(handlers: SessionsFeedHandlers): void {
  const { realtime } = useGolive();
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    let cancelled = false;
    const offs: Array<() => void> = [];
    let stop: (() => Promise<void>) | null = null;
    void (async () => {
      try {
        const feed = await (await realtime()).watchSessions();
        if (cancelled) return void feed.stop();
        stop = () => feed.stop();
        offs.push(
          feed.on('live', (session) => latest.current.live?.(session)),
          feed.on('ended', (event) => latest.current.ended?.(event)),
          feed.on('counters', (counters) => latest.current.counters?.(counters)),
          feed.on('resumed', () => {
            latest.current.resumed?.();
            latest.current.ready?.();
          }),
        );
        latest.current.ready?.();
      } catch (error) {
        if (!cancelled) latest.current.error?.(error);
      }
    })();
    return () => {
      cancelled = true;
      for (const off of offs) off();
      void stop?.();
    };
  }, [realtime]);
}
