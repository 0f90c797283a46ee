import type { ParticipantRole, Permissions } from '../realtime/protocol.ts';

const ALL_SOURCES: Permissions['publishSources'] = ['camera', 'microphone', 'screen_share', 'screen_share_audio'];

/** Nothing allowed: before the join answer, and after an end, kick or ban. */
export const NO_PERMISSIONS: Permissions = {
  canPublish: false,
  publishSources: [],
  canChat: false,
  canReact: false,
  canRequestStage: false,
  canModerate: false,
  canManageCohosts: false,
  canChangeSettings: false,
  canEnd: false,
  canRecord: false,
  canReadEvents: false,
};

/** What guests may publish (the session setting guestCanPublish). */
export type GuestPublish = { camera: boolean; microphone: boolean; screen: boolean };

/**
 * Permissions for servers that do not send them yet: what the server allows each role today
 * (sessions, stage and moderation services). A server's own `permissions` always wins over this.
 * Settings (chat off, reactions off, no guests) are applied on top by the store, not here.
 */
export function derivePermissions(
  role: ParticipantRole,
  options: { admin: boolean; guestCanPublish?: GuestPublish | undefined },
): Permissions {
  const admin = options.admin;
  const host = role === 'host';
  const cohost = role === 'cohost';
  const moderator = host || cohost || admin;
  const sources =
    host || cohost
      ? ALL_SOURCES
      : role === 'guest'
        ? guestSources(options.guestCanPublish ?? { camera: true, microphone: true, screen: true })
        : [];
  return {
    canPublish: sources.length > 0,
    publishSources: sources,
    canChat: true,
    canReact: true,
    canRequestStage: role === 'viewer' || role === 'observer',
    canModerate: moderator,
    canManageCohosts: host || admin,
    canChangeSettings: moderator,
    canEnd: host || admin,
    canRecord: host || admin,
    canReadEvents: host || admin,
  };
}

function guestSources(allowed: GuestPublish): Permissions['publishSources'] {
  const sources: Permissions['publishSources'] = [];
  if (allowed.camera) sources.push('camera');
  if (allowed.microphone) sources.push('microphone');
  if (allowed.screen) sources.push('screen_share', 'screen_share_audio');
  return sources;
}
