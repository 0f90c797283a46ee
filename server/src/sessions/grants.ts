import { TrackSource, type VideoGrant } from 'livekit-server-sdk';

/** A participant's role in one session, carried in its LiveKit token and attributes. */
export type ParticipantRole = 'host' | 'guest' | 'viewer' | 'observer';

/** The LiveKit attribute that carries the role to every client. */
export const ROLE_ATTRIBUTE = 'golive.role';

const ALL_SOURCES = [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO];

/** Exactly the grants each role needs, nothing more. */
export function grantFor(role: ParticipantRole): VideoGrant {
  switch (role) {
    case 'host':
      return {
        canSubscribe: true,
        canPublish: true,
        canPublishSources: ALL_SOURCES,
        canPublishData: true,
        roomAdmin: true,
        canUpdateOwnMetadata: false,
      };
    case 'guest':
      return { canSubscribe: true, canPublish: true, canPublishSources: ALL_SOURCES, canPublishData: true, canUpdateOwnMetadata: false };
    case 'viewer':
      return { canSubscribe: true, canPublish: false, canPublishData: true, canUpdateOwnMetadata: false };
    case 'observer':
      return { canSubscribe: true, canPublish: false, canPublishData: false, hidden: true, canUpdateOwnMetadata: false };
  }
}

/** Viewer counts include only plain subscribers: not hosts, guests or hidden observers. */
export function isCountedViewer(role: string, hidden: boolean): boolean {
  return role === 'viewer' && !hidden;
}

export type JoinFacts = {
  isHost: boolean;
  isAllowlisted: boolean;
  isAdmin: boolean;
  mode: 'broadcast' | 'interactive';
  visibility: 'public' | 'private';
};

/** Who joins as what; null means the caller may not join this session. */
export function resolveJoinRole(facts: JoinFacts): ParticipantRole | null {
  if (facts.isHost) return 'host';
  if (facts.isAllowlisted) return facts.mode === 'interactive' ? 'guest' : 'viewer';
  if (facts.isAdmin) return 'observer';
  if (facts.visibility === 'public') return 'viewer';
  return null;
}
