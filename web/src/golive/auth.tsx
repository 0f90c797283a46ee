import { createGoliveClient, type GoliveClient, type Me } from '@golive/sdk';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { errorCode } from './errors.ts';

export type User = Me;
/** What sessionStorage keeps: the token, and who golive said it belongs to (GET /v1/me). */
type Stored = { token: string; user?: User };

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

function writeStored(next: Stored | null): void {
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
}

type AuthValue = {
  /** Who golive says the user is (GET /v1/me); null before sign-in and while it is asked. */
  user: User | null;
  /** signed-out: no token; checking: asking golive who the token belongs to; signed-in: user is set. */
  status: 'signed-out' | 'checking' | 'signed-in';
  /** Why golive could not say who the user is (e.g. it is unreachable); null otherwise. */
  problem: unknown;
  /** Asks golive again (after a problem). */
  retry: () => void;
  /** Calls golive as the signed-in user (or anonymously before sign-in). */
  client: GoliveClient;
  devLogin: (name: string, admin: boolean) => Promise<void>;
  signInWithToken: (token: string) => void;
  signOut: () => void;
};

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const provider = typeof window.goliveTokenProvider === 'function' ? window.goliveTokenProvider : null;
  const [token, setToken] = useState<string | null>(() => readStored()?.token ?? null);
  // The client reads the latest token on every request, so a refreshed token needs no new client.
  const latestToken = useRef(token);
  latestToken.current = token;
  const queryClient = useQueryClient();
  const signedIn = provider !== null || token !== null;

  const signInWithToken = useCallback((next: string) => {
    writeStored({ token: next, ...(readStored()?.token === next ? { user: readStored()?.user } : {}) });
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    writeStored(null);
    setToken(null);
    queryClient.clear();
  }, [queryClient]);

  const client = useMemo(() => createGoliveClient({ baseUrl: '', token: provider ?? (() => latestToken.current ?? '') }), [provider]);

  // Who the token belongs to, as golive sees them: the admin flag follows AUTH_ROLE_CLAIM.
  const me = useQuery({
    queryKey: ['me', token],
    enabled: signedIn,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async ({ signal }) => {
      const user = await client.getMe({ signal });
      if (latestToken.current) writeStored({ token: latestToken.current, user });
      return user;
    },
  });
  const rejected = me.isError && ['INVALID_TOKEN', 'UNAUTHENTICATED'].includes(errorCode(me.error) ?? '');
  useEffect(() => {
    if (rejected && !provider) signOut();
  }, [rejected, provider, signOut]);

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

  const user = me.data ?? null;
  const value = useMemo<AuthValue>(
    () => ({
      user,
      status: !signedIn ? 'signed-out' : user ? 'signed-in' : 'checking',
      problem: me.error,
      retry: () => void me.refetch(),
      client,
      devLogin: async (name, admin) => {
        const result = await createGoliveClient({ baseUrl: '' }).devLogin({ name, admin });
        signInWithToken(result.token);
      },
      signInWithToken,
      signOut,
    }),
    [user, signedIn, me.error, me.refetch, client, signInWithToken, signOut],
  );
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
