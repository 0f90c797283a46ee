import type { Principal, UserPrincipal } from '../auth/principal.ts';
import type { StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { grantFor, type ParticipantRole, resolveJoinRole } from '../sessions/grants.ts';
import { type Ban, type SessionFacts, subjectOf } from '../work/session-facts.ts';
import { type Permissions, publishSourcesOf } from './permissions.ts';

/**
 * The one answer to "may this actor do this action in this session?", a pure function of the
 * actor and the session's facts (loaded under the session row lock by the unit of work).
 */
export type SessionAction =
  | { action: 'session.view' }
  | { action: 'session.join' }
  | { action: 'session.subscribe' }
  | { action: 'session.end' }
  | { action: 'session.settings' }
  | { action: 'session.events' }
  | { action: 'session.stats' }
  | { action: 'telemetry.send' }
  | { action: 'chat.read' }
  | { action: 'chat.send' }
  | { action: 'chat.moderate' }
  | { action: 'reaction.send' }
  | { action: 'participants.list' }
  | { action: 'stage.list' }
  | { action: 'stage.request' }
  | { action: 'stage.cancel' }
  | { action: 'stage.decide' }
  | { action: 'stage.invite'; target: string }
  | { action: 'stage.answer' }
  | { action: 'stage.leave' }
  | { action: 'role.set'; target: string; role: StageRole }
  | { action: 'participant.mute'; target: string }
  | { action: 'participant.kick'; target: string }
  | { action: 'participant.ban'; target: string }
  | { action: 'participant.unban' }
  | { action: 'bans.list' }
  | { action: 'report.create' }
  | { action: 'recording.start' }
  | { action: 'recording.manage' }
  /** Playing a recording back (and its chat replay): `visibility` is the recording's, set by the host. */
  | { action: 'recording.play'; visibility: 'private' | 'public' }
  | { action: 'ingest.manage' };

export type ActionName = SessionAction['action'];

type ErrorName = keyof typeof Errors;
/**
 * Why an action is refused: an error of the shared factory, and its message argument. Each reason
 * has its own code (NOT_HOST, NOT_MODERATOR, CANNOT_TARGET_COHOST, ...): the policy owns them.
 */
export type Denial = { error: ErrorName; detail?: string };

/** The caller's standing in one session, derived from the facts. */
export type Standing = {
  userId: string | null;
  /** How the caller would join; null when they may not watch at all. */
  role: ParticipantRole | null;
  isHost: boolean;
  isCohost: boolean;
  isAdmin: boolean;
  /** The caller's active ban (hosts and admins are never banned). */
  ban: Ban | null;
  /** Host, co-host or admin (or the app's backend): manages the stage, chat and settings. */
  canModerate: boolean;
};

export function standingOf(principal: Principal, facts: SessionFacts): Standing {
  const userId = principal.userId;
  const subject = userId === null ? null : subjectOf(facts, userId);
  const isHost = userId !== null && facts.row.host_id === userId;
  const role = resolveJoinRole({
    isHost,
    isAllowlisted: subject?.allowlisted ?? false,
    isAdmin: principal.isAdmin,
    stageRole: subject?.stageRole ?? null,
    mode: facts.row.mode,
    visibility: facts.row.visibility,
  });
  const isCohost = role === 'cohost';
  return {
    userId,
    role,
    isHost,
    isCohost,
    isAdmin: principal.isAdmin,
    ban: isHost || principal.isAdmin ? null : (subject?.ban ?? null),
    canModerate: isHost || isCohost || principal.isAdmin,
  };
}

/** Another user's standing (the target of a stage or moderation action), as a non-admin. */
export function targetStanding(userId: string, facts: SessionFacts): Standing {
  return standingOf({ kind: 'user', userId, name: userId, isAdmin: false, via: 'jwt' }, facts);
}

/** Actions only a user (not the app's backend alone) can take: they act as a participant. */
export const NEEDS_USER = new Set<ActionName>([
  'session.join',
  'session.subscribe',
  'chat.send',
  'reaction.send',
  'stage.request',
  'stage.cancel',
  'stage.answer',
  'stage.leave',
  'telemetry.send',
]);
/** Actions that need the session to be live. */
export const NEEDS_LIVE = new Set<ActionName>([
  'session.join',
  'session.subscribe',
  'session.end',
  'session.settings',
  'chat.send',
  'reaction.send',
  'stage.request',
  'stage.decide',
  'stage.invite',
  'stage.answer',
  'stage.leave',
  'role.set',
  'participant.mute',
  'participant.kick',
  'participant.ban',
  'recording.start',
  'ingest.manage',
]);
/** Actions for the host, co-hosts and admins. */
export const MODERATE = new Set<ActionName>([
  'session.settings',
  'session.stats',
  'chat.moderate',
  'stage.decide',
  'stage.invite',
  'role.set',
  'participant.mute',
  'participant.kick',
  'participant.ban',
  'participant.unban',
  'bans.list',
]);
/** Actions for the host and admins only. */
export const HOST_ONLY = new Set<ActionName>(['session.end', 'session.events', 'recording.start', 'recording.manage', 'ingest.manage']);

/** null when allowed; otherwise why not. The order of the checks is the order callers see errors in. */
export function decide(principal: Principal, input: SessionAction, facts: SessionFacts): Denial | null {
  const { action } = input;
  if (NEEDS_USER.has(action) && principal.kind !== 'user') return { error: 'userRequired' };
  const me = standingOf(principal, facts);
  // Who may see the session at all: public, or host, allowlisted, admin. Others learn nothing more.
  if (me.role === null) return { error: 'sessionForbidden' };
  if (HOST_ONLY.has(action)) {
    if (!me.isHost && !me.isAdmin) return { error: 'notHost', detail: hostOnlyMessage(action) };
    return needsLive(action, facts);
  }
  if (action === 'session.view') return null;
  if (me.ban) return { error: 'banned', detail: me.ban.reason ? `: ${me.ban.reason}` : '' };
  if (MODERATE.has(action) && !me.canModerate) return { error: 'notModerator' };
  const live = needsLive(action, facts);
  if (live) return live;
  return decideSpecific(principal, input, facts, me);
}

/** Throws the shared factory's error when the action is refused. */
export function authorize(principal: Principal, input: SessionAction, facts: SessionFacts): Standing {
  const denial = decide(principal, input, facts);
  if (denial) throw denialError(denial);
  return standingOf(principal, facts);
}

export function denialError(denial: Denial): Error {
  const Make = Errors[denial.error] as new (...args: string[]) => Error;
  return denial.detail === undefined ? new Make() : new Make(denial.detail);
}

function needsLive(action: ActionName, facts: SessionFacts): Denial | null {
  return NEEDS_LIVE.has(action) && facts.row.status !== 'live' ? { error: 'sessionEnded', detail: facts.row.id } : null;
}

function decideSpecific(principal: Principal, input: SessionAction, facts: SessionFacts, me: Standing): Denial | null {
  switch (input.action) {
    case 'session.join':
      if (facts.settings.maxParticipants > 0 && !me.canModerate && (facts.connectedOthers ?? 0) >= facts.settings.maxParticipants) {
        return { error: 'sessionFull', detail: String(facts.settings.maxParticipants) };
      }
      return null;
    case 'chat.send':
      return facts.settings.chatEnabled ? null : { error: 'chatDisabled' };
    case 'reaction.send':
      return facts.settings.reactionsEnabled ? null : { error: 'reactionsDisabled' };
    case 'stage.request':
      if (!facts.settings.allowGuests) return { error: 'guestsNotAllowed' };
      // A hidden admin may ask too (approval makes them a visible guest); anyone else on stage may not.
      return me.role === 'viewer' || me.role === 'observer' ? null : { error: 'alreadyOnStage', detail: me.role ?? 'nobody' };
    case 'stage.leave':
      if (me.isHost) return { error: 'hostCannotLeave' };
      return me.role === 'guest' || me.role === 'cohost'
        ? null
        : { error: 'notOnStage', detail: `you are not on stage (you are ${me.role})` };
    case 'stage.invite': {
      const target = targetStanding(input.target, facts);
      if (!target.role || target.ban) return { error: 'sessionForbidden' };
      return target.role === 'viewer' ? null : { error: 'alreadyOnStage', detail: target.role };
    }
    case 'role.set': {
      if (facts.row.host_id === input.target) return { error: 'cannotTargetHost', detail: "the host's role cannot be changed" };
      const target = targetStanding(input.target, facts);
      if (!target.role || target.ban) return { error: 'sessionForbidden' };
      const touchesCohost = input.role === 'cohost' || target.role === 'cohost';
      if (touchesCohost && !me.isHost && !me.isAdmin)
        return { error: 'notHost', detail: 'only the host or an admin can promote or demote co-hosts' };
      return null;
    }
    case 'participant.mute':
    case 'participant.kick':
    case 'participant.ban': {
      if (facts.row.host_id === input.target) {
        return { error: 'cannotTargetHost', detail: 'the host cannot be muted, kicked or banned; an admin can end the session' };
      }
      if (principal.userId === input.target) return { error: 'validationFailed', detail: 'you cannot moderate yourself' };
      if (me.isCohost && targetStanding(input.target, facts).role === 'cohost') {
        return { error: 'cannotTargetCohost' };
      }
      return null;
    }
    case 'recording.play': {
      // Host and admins are decided above; the allowlist (a task's requester) may always play it.
      if (me.isHost || me.isAdmin || (principal.userId !== null && subjectOf(facts, principal.userId)?.allowlisted)) return null;
      if (input.visibility === 'public' && facts.row.visibility === 'public') return null;
      return { error: 'recordingPrivate', detail: 'this recording is private: only the host, admins and invited participants can play it' };
    }
    default:
      return null;
  }
}

function hostOnlyMessage(action: ActionName): string {
  switch (action) {
    case 'session.end':
      return 'only the host or an admin can end this session';
    case 'session.events':
      return 'only the host or an admin can read the event log';
    case 'ingest.manage':
      return 'only the host or an admin can manage ingest';
    default:
      return 'only the host or an admin can manage recordings';
  }
}

/** What the caller may do in the session, so clients stop working it out again. */
export function permissionsOf(principal: Principal, facts: SessionFacts): Permissions {
  const may = (input: SessionAction) => decide(principal, input, facts) === null;
  const me = standingOf(principal, facts);
  const grant = me.role && !me.ban ? grantFor(me.role, facts.settings.guestCanPublish) : null;
  const live = facts.row.status === 'live';
  return {
    canPublish: live && (grant?.canPublish ?? false),
    publishSources: live && grant?.canPublish ? publishSourcesOf(grant) : [],
    canChat: may({ action: 'chat.send' }),
    canReact: may({ action: 'reaction.send' }),
    canRequestStage: may({ action: 'stage.request' }),
    canModerate: may({ action: 'stage.decide' }),
    canManageCohosts: live && !me.ban && (me.isHost || me.isAdmin),
    canChangeSettings: may({ action: 'session.settings' }),
    canEnd: may({ action: 'session.end' }),
    canRecord: may({ action: 'recording.start' }),
    canManageIngest: may({ action: 'ingest.manage' }),
    canReadEvents: may({ action: 'session.events' }),
  };
}

/** Platform-wide actions (not tied to one session): admins and the app's backend only. */
export function authorizeAdmin(principal: Principal, what: string): void {
  if (!principal.isAdmin) throw new Errors.notAdmin(what);
}

/** Actions taken as a participant need a user: the app's backend sends X-Golive-User to act for one. */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new Errors.userRequired();
  return principal;
}
