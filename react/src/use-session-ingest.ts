import type { IngestCredentials, IngestStatus, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionIngestView = {
  /** Waiting for the encoder, receiving (with what is received), or stopped; null when there is no ingest. */
  status: IngestStatus | null;
  /** The WHIP URL, RTMP URL and stream key from my last create or rotate (in memory only). */
  credentials: IngestCredentials | null;
  /** Whether I manage the session's ingest (the host, or an admin). */
  canManage: boolean;
  create: () => Promise<void>;
  /** A new key; the old one stops working at once. */
  rotate: () => Promise<void>;
  remove: () => Promise<void>;
};

/** Streaming into the session from OBS or an encoder: the ingest's status, its key, and its actions. */
export function useSessionIngest(store?: SessionStore): SessionIngestView {
  const found = useEnsureSessionStore(store);
  const ingest = useSessionSnapshot((s) => s.ingest, found);
  const canManage = useSessionSnapshot((s) => s.permissions.canManageIngest, found);
  return {
    status: ingest.status,
    credentials: ingest.credentials,
    canManage,
    create: () => found.createIngest(),
    rotate: () => found.rotateIngestKey(),
    remove: () => found.deleteIngest(),
  };
}
