import { isGoliveError, RealtimeRequestError } from '@golive/sdk';

/** The stable code of an SDK error (HTTP or realtime), or null for anything else. */
export function errorCode(error: unknown): string | null {
  if (isGoliveError(error)) return error.code;
  if (error instanceof RealtimeRequestError) return error.code;
  return null;
}

const FRIENDLY: Record<string, string> = {
  NETWORK_ERROR: 'Cannot reach golive. Check your connection.',
  UNAUTHENTICATED: 'Please sign in again.',
  INVALID_TOKEN: 'Your sign-in expired. Please sign in again.',
  SESSION_ENDED: 'This live has ended.',
  SESSION_NOT_FOUND: 'This live does not exist.',
  SESSION_FORBIDDEN: 'This live is private.',
  BANNED: 'You are banned from this live.',
  HOST_ALREADY_LIVE: 'You are already live in another session.',
  START_COOLDOWN: 'You just went live. Wait a moment before starting again.',
  RATE_LIMITED: 'Slow down a little and try again.',
  SLOW_MODE: 'Slow mode is on. Wait a moment before the next message.',
  CHAT_DISABLED: 'Chat is turned off.',
  REACTIONS_DISABLED: 'Reactions are turned off.',
  MESSAGE_TOO_LONG: 'That message is too long (500 characters at most).',
  NOT_HOST: 'Only the host can do that.',
  NOT_MODERATOR: 'Only the host or a co-host can do that.',
  NOT_ADMIN: 'Only an admin can do that.',
  CANNOT_TARGET_HOST: 'That cannot be done to the host.',
  CANNOT_TARGET_COHOST: 'Only the host can do that to a co-host.',
  HOST_CANNOT_LEAVE: 'The host cannot leave the stage: end the live instead.',
  LIVEKIT_UNAVAILABLE: 'The media server is not answering. Try again shortly.',
  RECORDING_IN_PROGRESS: 'This live is already being recorded.',
  RECORDER_CAPACITY: 'No recorder is free right now. Try again in a few minutes.',
  RECORDING_NOT_FOUND: 'This recording does not exist (any more).',
  RECORDING_PRIVATE: 'This recording is private: only the host and the people invited can watch it.',
  RECORDING_NOT_READY: 'This recording is still being processed. Try again in a moment.',
  RECORDING_BUSY: 'Stop the recording and wait until it is ready before deleting it.',
};

/** A sentence for people: the SDK's message is for developers. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code && FRIENDLY[code]) return FRIENDLY[code];
  if (error instanceof Error) return error.message;
  return String(error);
}
