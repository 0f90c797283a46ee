import type { Errors } from '../errors.ts';
import { type ActionName, HOST_ONLY, MODERATE, NEEDS_LIVE, NEEDS_USER } from './policy.ts';

type ErrorName = keyof typeof Errors;

/** What decideSpecific (policy.ts) can refuse an action with, beyond the checks every action shares. */
const SPECIFIC: Partial<Record<ActionName, readonly ErrorName[]>> = {
  'session.join': ['sessionFull'],
  'chat.send': ['chatDisabled'],
  'reaction.send': ['reactionsDisabled'],
  'stage.request': ['guestsNotAllowed', 'alreadyOnStage'],
  'stage.leave': ['hostCannotLeave', 'notOnStage'],
  'stage.invite': ['alreadyOnStage'],
  'role.set': ['cannotTargetHost', 'notHost'],
  'participant.mute': ['cannotTargetHost', 'cannotTargetCohost', 'validationFailed'],
  'participant.kick': ['cannotTargetHost', 'cannotTargetCohost', 'validationFailed'],
  'participant.ban': ['cannotTargetHost', 'cannotTargetCohost', 'validationFailed'],
  'recording.play': ['recordingPrivate'],
};

/**
 * Every code the policy can refuse an action with, in the order it checks: what a route declares
 * for its authorization (see http/route.ts), so the docs list exactly what the policy decides.
 * The session must exist too (SESSION_NOT_FOUND, from loading its facts).
 */
export function refusalsOf(...actions: ActionName[]): ErrorName[] {
  const names = new Set<ErrorName>(['sessionNotFound', 'sessionForbidden']);
  for (const action of actions) {
    if (NEEDS_USER.has(action)) names.add('userRequired');
    if (HOST_ONLY.has(action)) names.add('notHost');
    if (action !== 'session.view' && !HOST_ONLY.has(action)) names.add('banned');
    if (MODERATE.has(action)) names.add('notModerator');
    if (NEEDS_LIVE.has(action)) names.add('sessionEnded');
    for (const name of SPECIFIC[action] ?? []) names.add(name);
  }
  return [...names];
}
