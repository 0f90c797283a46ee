import { createGoliveClient, type GoliveClient, type GoliveRealtime } from '@golive/sdk';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

export type User = { id: string; name: string; admin: boolean };
type Stored = { token: string; user: User };

/**
 * sessionStorage, not localStorage: the token dies with the tab, and never travels in a URL.
 * A host app that embeds golive hands its token over with postMessage or a token provider.
 */
const STORAGE_KEY = 'golive.auth';

/**
 * A host page that loads golive on its own origin may define this before the app starts; it is
 * then asked for a fresh token before every request instead of keeping one in storage.
 */
declare global {
  interface Window {
    goliveTokenProvider?: () => string | Promise<string>;
  }
}

function readStored(): Stored | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

/** Who the token says the user is, for display only: golive verifies every token itself. */
export function userFromToken(token: string): User {
  const part = token.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as {
    sub?: string;
    name?: string;
    role?: string | string[];
  };
  const roles = Array.isArray(claims.role) ? claims.role : [claims.role];
  return { id: claims.sub ?? 'unknown', name: claims.name ?? claims.sub ?? 'unknown', admin: roles.includes('admin') };
}

type AuthValue = {
  user: User | null;
  /** @internal closes the realtime connection when the user changes. */
  close: () => void;
  /** Calls golive as the signed-in user (or anonymously before sign-in). */
  client: GoliveClient;
  /** One realtime connection per signed-in user, connected on first use. */
  realtime: () => Promise<GoliveRealtime>;
  devLogin: (name: string, admin: boolean) => Promise<void>;
  signInWithToken: (token: string) => void;
  signOut: () => void;
};

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useState<Stored | null>(readStored);

  const save = useCallback((next: Stored | null) => {
    if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else sessionStorage.removeItem(STORAGE_KEY);
    setStored(next);
  }, []);

  const signInWithToken = useCallback((token: string) => save({ token, user: userFromToken(token) }), [save]);

  // Same-origin embedding: the host page's token provider says who the user is.
  useEffect(() => {
    const provider = window.goliveTokenProvider;
    if (!provider || stored) return;
    void Promise.resolve(provider()).then(signInWithToken, () => undefined);
  }, [stored, signInWithToken]);

  // Embedded in a host app's iframe: the parent posts {type: 'golive:token', token} (again when it
  // refreshes the token). Only the parent window is listened to.
  useEffect(() => {
    if (window.parent === window) return;
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window.parent) return;
      const data = event.data as { type?: unknown; token?: unknown } | null;
      if (data?.type === 'golive:token' && typeof data.token === 'string') signInWithToken(data.token);
    };
    window.addEventListener('message', onMessage);
    window.parent.postMessage({ type: 'golive:ready' }, '*');
    return () => window.removeEventListener('message', onMessage);
  }, [signInWithToken]);

  const token = stored?.token;
  const value = useMemo<AuthValue>(() => {
    const provider = window.goliveTokenProvider;
    const client = createGoliveClient({ baseUrl: '', token: provider ?? (() => token ?? '') });
    let connection: Promise<GoliveRealtime> | null = null;
    return {
      user: stored?.user ?? null,
      close: () => void connection?.then((rt) => rt.close()).catch(() => undefined),
      client,
      realtime: () => {
        connection ??= (async () => {
          const rt = client.realtime();
          await rt.connect();
          return rt;
        })();
        connection.catch(() => {
          connection = null;
        });
        return connection;
      },
      devLogin: async (name, admin) => {
        const result = await createGoliveClient({ baseUrl: '' }).devLogin({ name, admin });
        save({ token: result.token, user: result.user });
      },
      signInWithToken,
      signOut: () => save(null),
    };
  }, [token, stored?.user, save, signInWithToken]);
  useEffect(() => () => value.close(), [value]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth needs <AuthProvider> above it in the tree');
  return value;
}

/** The signed-in user; only for screens behind the sign-in gate. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser is for screens behind sign-in; render <SignIn> when there is no user');
  return user;
}
