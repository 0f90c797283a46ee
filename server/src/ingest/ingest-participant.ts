import type { IngestProtocol } from '@golive/sdk/protocol';
import { TrackSource } from 'livekit-server-sdk';
import type { TokenRequest } from '../adapters/livekit.ts';
import { ROLE_ATTRIBUTE } from '../sessions/grants.ts';

/** The LiveKit attribute that marks an encoder's participant, with its protocol as the value. */
export const INGEST_ATTRIBUTE = 'golive.ingest';

/** The LiveKit attribute that names the user an ingest participant stands for (the host). */
export const INGEST_FOR_ATTRIBUTE = 'golive.ingestFor';

/**
 * The LiveKit attribute with the generation of the stream key the encoder connected with (not the
 * key): a publish whose generation is not the ingest's current one is removed (see ingest-webhooks.ts).
 */
export const INGEST_KEY_ATTRIBUTE = 'golive.ingestKey';

const INGEST_SUFFIX = '#ingest';

/**
 * The identity of the host's encoder. It differs from the host's own identity because LiveKit
 * allows one connection per identity: the host's browser (watching chat, moderating) and OBS
 * must both stay in the room.
 */
export function ingestIdentity(hostId: string): string {
  return `${hostId}${INGEST_SUFFIX}`;
}

/** The host an ingest identity stands for, or null when the identity is not an ingest's. */
export function hostOfIngestIdentity(identity: string): string | null {
  return identity.endsWith(INGEST_SUFFIX) ? identity.slice(0, -INGEST_SUFFIX.length) : null;
}

export type IngestParticipantRequest = {
  sessionId: string;
  hostId: string;
  /** Shown on the stage tile, like the host's own camera. */
  hostName: string;
  protocol: IngestProtocol;
  /** The generation of the key the encoder presented. */
  keyId: string;
  /**
   * Lifetime of the token. It only has to be valid when the connection (or a WHIP PATCH or
   * DELETE) reaches LiveKit, so it is short: every exchange mints a new one.
   */
  ttlSec?: number;
};

/**
 * The token request for the host's encoder. It carries the host role, so the stage shows it as
 * the host and the viewer count (role viewer only, see isCountedViewer) never includes it. Its
 * grant is narrower than the host's: camera and microphone, no subscribing, no data, no admin.
 */
export function ingestTokenRequest(req: IngestParticipantRequest): TokenRequest {
  return {
    room: req.sessionId,
    identity: ingestIdentity(req.hostId),
    name: req.hostName,
    ttlSec: req.ttlSec ?? 60,
    grant: {
      canPublish: true,
      canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE],
      canSubscribe: false,
      canPublishData: false,
      canUpdateOwnMetadata: false,
    },
    metadata: JSON.stringify({ role: 'host', sessionId: req.sessionId, ingest: req.protocol }),
    attributes: {
      [ROLE_ATTRIBUTE]: 'host',
      [INGEST_ATTRIBUTE]: req.protocol,
      [INGEST_FOR_ATTRIBUTE]: req.hostId,
      [INGEST_KEY_ATTRIBUTE]: req.keyId,
    },
  };
}
