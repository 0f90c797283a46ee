import { useEnsureSessionStore } from '@golive/react';
import { useParticipants } from '@livekit/components-react';
import { useEffect } from 'react';
import { INGEST_FOR_ATTRIBUTE } from '../golive/use-encoder-reception.ts';

/** The LiveKit attribute that carries a participant's golive role (server/src/sessions/grants.ts). */
const ROLE_ATTRIBUTE = 'golive.role';

/**
 * Tells the session store who LiveKit says is in the room (with their name and golive role), so
 * the stage panel lists newcomers the moment they connect. Renders nothing; mount it inside
 * <LiveKitRoom> and <SessionProvider>.
 */
export function PresenceSync() {
  const store = useEnsureSessionStore();
  const participants = useParticipants();
  const key = participants.map((p) => `${p.identity}:${p.name ?? ''}:${p.attributes[ROLE_ATTRIBUTE] ?? ''}`).join('|');
  // The host's encoder carries golive.ingestFor: the store counts it as the host, not a second one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: key summarises the participants
  useEffect(() => {
    store.setPresence(
      participants.map((p) => ({
        identity: p.identity,
        name: p.name,
        role: p.attributes[ROLE_ATTRIBUTE],
        ingestFor: p.attributes[INGEST_FOR_ATTRIBUTE],
      })),
    );
  }, [store, key]);
  return null;
}
