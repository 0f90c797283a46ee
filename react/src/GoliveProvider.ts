import type { GoliveClient, GoliveRealtime } from '@golive/sdk';
import { createElement, type ReactNode, useEffect, useMemo } from 'react';
import { GoliveContext, type GoliveContextValue } from './golive-context.ts';

export type GoliveProviderProps = {
  /** The signed-in user's client: createGoliveClient({ baseUrl, token }). A new client is a new user. */
  client: GoliveClient;
  /** The user as golive sees them (client.getMe()); admins get admin permissions on older servers. */
  me?: { id: string; admin: boolean } | undefined;
  children?: ReactNode;
};

/**
 * Makes golive available below it: the client for HTTP calls and one realtime connection that
 * every session store shares. The connection opens on first use and closes with the provider
 * (or when the client changes).
 */
export function GoliveProvider({ client, me, children }: GoliveProviderProps) {
  const connection = useMemo(() => lazyRealtime(client), [client]);
  useEffect(() => () => connection.close(), [connection]);
  const admin = me?.admin;
  const id = me?.id;
  const value = useMemo<GoliveContextValue>(
    () => ({ client, realtime: connection.get, me: id === undefined ? undefined : { id, admin: admin ?? false } }),
    [client, connection, id, admin],
  );
  return createElement(GoliveContext.Provider, { value }, children);
}

function lazyRealtime(client: GoliveClient) {
  let opened: GoliveRealtime | null = null;
  let connecting: Promise<GoliveRealtime> | null = null;
  let closed = false;
  return {
    get: (): Promise<GoliveRealtime> => {
      if (closed) return Promise.reject(new Error('this GoliveProvider has unmounted; its realtime connection is closed'));
      connecting ??= (async () => {
        opened ??= client.realtime();
        await opened.connect();
        return opened;
      })();
      // A refused connect (e.g. an expired token) is tried again on the next use.
      connecting.catch(() => {
        connecting = null;
      });
      return connecting;
    },
    close: () => {
      closed = true;
      opened?.close();
    },
  };
}
