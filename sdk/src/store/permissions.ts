import type { Permissions } from '../realtime/protocol.ts';

/**
 * Nothing allowed: before the join answer, and after an end, kick or ban. Every other value comes
 * from the server (join, subscribe, `session.permissions`): golive's policy is their one owner.
 */
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
  canManageIngest: false,
  canReadEvents: false,
};
