import type { LivekitAdapter } from '../adapters/livekit.ts';
import { RECORDER_ROLE, ROLE_ATTRIBUTE, recorderGrant } from '../sessions/grants.ts';

/** The recorder's LiveKit identity: one per recording, never a user id. */
export function recorderIdentity(recordingId: string): string {
  return `golive-recorder-${recordingId}`;
}

/** A token for the hidden recorder participant of one recording in a session's room. */
export async function mintRecorderToken(
  livekit: LivekitAdapter,
  request: { sessionId: string; recordingId: string; ttlSec: number },
): Promise<string> {
  return livekit.mintToken({
    room: request.sessionId,
    identity: recorderIdentity(request.recordingId),
    name: 'Recorder',
    ttlSec: request.ttlSec,
    grant: recorderGrant(),
    metadata: JSON.stringify({ role: RECORDER_ROLE, sessionId: request.sessionId, recordingId: request.recordingId }),
    attributes: { [ROLE_ATTRIBUTE]: RECORDER_ROLE },
  });
}
