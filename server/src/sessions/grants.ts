import { TrackSource, type VideoGrant } from 'livekit-server-sdk';
import type { ParticipantRole } from '../contract.ts';
import type { StageRole } from '../db/schema.ts';

/** A participant's role in one session (the contract's), carried in its LiveKit token and attributes. */
export type { ParticipantRole };

/** The LiveKit attribute that carries the role to every client. */
export const ROLE_ATTRIBUTE = 'golive.role';

/** What guests may publish (session setting guestCanPublish). */
export type PublishPermissions = { camera: boolean; microphone: boolean; screen: boolean };

const ALL_SOURCES = [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO];

function sourcesFor(allowed: PublishPermissions): TrackSource[] {
  const sources: TrackSource[] = [];
  if (allowed.camera) sources.push(TrackSource.CAMERA);
  if (allowed.microphone) sources.push(TrackSource.MICROPHONE);
  if (allowed.screen) sources.push(TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO);
  return sources;
}

const EVERYTHING: PublishPermissions = { camera: true, microphone: true, screen: true };

/**
 * Exactly the grants each role needs, nothing more. Co-hosts publish like the host but get no
 * roomAdmin: they moderate through golive, which keeps them from removing the host.
 */
export function grantFor(role: ParticipantRole, guestCanPublish: PublishPermissions = EVERYTHING): VideoGrant {
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
    case 'cohost':
      return { canSubscribe: true, canPublish: true, canPublishSources: ALL_SOURCES, canPublishData: true, canUpdateOwnMetadata: false };
    case 'guest': {
      const sources = sourcesFor(guestCanPublish);
      return {
        canSubscribe: true,
        canPublish: sources.length > 0,
        canPublishSources: sources,
        canPublishData: true,
        canUpdateOwnMetadata: false,
      };
    }
    case 'viewer':
      return { canSubscribe: true, canPublish: false, canPublishData: true, canUpdateOwnMetadata: false };
    case 'observer':
      return { canSubscribe: true, canPublish: false, canPublishData: false, hidden: true, canUpdateOwnMetadata: false };
  }
}

/** Viewer counts include only plain subscribers: not hosts, co-hosts, guests or hidden observers. */
export function isCountedViewer(role: string, hidden: boolean): boolean {
  return role === 'viewer' && !hidden;
}

/** On stage: publishes to everyone. */
export function isOnStage(role: ParticipantRole): boolean {
  return role === 'host' || role === 'cohost' || role === 'guest';
}

export type JoinFacts = {
  isHost: boolean;
  isAllowlisted: boolean;
  isAdmin: boolean;
  /** A role set by the host or a co-host, overriding the default. */
  stageRole: StageRole | null;
  mode: 'broadcast' | 'interactive';
  visibility: 'public' | 'private';
};

/** Who joins as what; null means the caller may not watch this session. */
export function resolveJoinRole(facts: JoinFacts): ParticipantRole | null {
  if (facts.isHost) return 'host';
  const mayWatch = facts.visibility === 'public' || facts.isAllowlisted || facts.isAdmin;
  if (!mayWatch) return null;
  if (facts.stageRole) return facts.stageRole;
  if (facts.isAllowlisted) return facts.mode === 'interactive' ? 'guest' : 'viewer';
  if (facts.isAdmin) return 'observer';
  return 'viewer';
}

/** Everything LiveKit holds about a participant's role: grants, metadata and the role attribute. */
export function participantState(role: ParticipantRole, sessionId: string, guestCanPublish: PublishPermissions) {
  return {
    grant: grantFor(role, guestCanPublish),
    metadata: JSON.stringify({ role, sessionId }),
    attributes: { [ROLE_ATTRIBUTE]: role },
  };
}

/** The role attribute of the recorder participant (not a ParticipantRole: no user joins as it). */
export const RECORDER_ROLE = 'recorder';

/**
 * The recorder's grant: hidden (not counted, not shown), subscribe only, and LiveKit's recorder
 * flag, which makes the room report that it is being recorded to every client.
 */
export function recorderGrant(): VideoGrant {
  return { canSubscribe: true, canPublish: false, canPublishData: false, hidden: true, recorder: true, canUpdateOwnMetadata: false };
}
