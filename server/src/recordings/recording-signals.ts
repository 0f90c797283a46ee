import type { RecordingState } from '@golive/sdk/protocol';
import type { WorkContext } from '../work/unit-of-work.ts';
import { type RecordingRow, stopSessionRecordings } from './recordings.repository.ts';

/**
 * What a recording's start, stop and save tell the world, recorded in the change's unit of work:
 * the consent signals (realtime recording.started / recording.stopped to everyone subscribed, and
 * the LiveKit room metadata's `recording` flag, which every LiveKit client sees), and the events
 * to the app (live.session.recording.started / .saved).
 */
export function recordingState(row: RecordingRow): RecordingState {
  return { id: row.id, startedAt: new Date(row.started_at).toISOString(), auto: row.auto };
}

export function recordingStartedWithin(w: WorkContext, row: RecordingRow): void {
  const sessionId = row.session_id;
  w.event({
    sessionId,
    type: 'live.session.recording.started',
    actorId: row.started_by,
    data: { recordingId: row.id, auto: row.auto, externalRef: w.facts.row.external_ref },
  });
  w.effect({ kind: 'realtime.recording', sessionId, recordingId: row.id, recording: recordingState(row) });
  roomRecordingFlagWithin(w, true);
}

export function recordingStoppedWithin(w: WorkContext, row: RecordingRow): void {
  const sessionId = row.session_id;
  w.effect(
    { kind: 'recording.stop', sessionId, recordingId: row.id },
    { kind: 'realtime.recording', sessionId, recordingId: row.id, recording: null },
  );
  // An ended session's room is being deleted: nothing to flag.
  if (w.facts.row.status === 'live') roomRecordingFlagWithin(w, false);
}

/**
 * Sets the `recording` flag of the session's LiveKit room metadata: at a recording's start and
 * stop, and on a room re-created after LiveKit lost it (reconciler/room-recovery.ts). The effects
 * run in commit order per room, so the last one committed is what the room says.
 */
export function roomRecordingFlagWithin(w: WorkContext, recording: boolean): void {
  w.effect({ kind: 'livekit.room.metadata', sessionId: w.facts.row.id, mode: w.facts.row.mode, recording });
}

/** The recording is playable: the app hears of it (no URL: it asks for one, getRecordingPlayback). */
export function recordingSavedWithin(w: WorkContext, row: RecordingRow): void {
  w.event({
    sessionId: row.session_id,
    type: 'live.session.recording.saved',
    actorId: 'system',
    data: {
      recordingId: row.id,
      sessionId: row.session_id,
      durationSec: row.duration_sec,
      sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
      interrupted: row.interrupted,
      externalRef: w.facts.row.external_ref,
    },
  });
}

/** Inside the end of a session: every recording in progress stops, and its worker finalizes it. */
export async function stopRecordingsWithin(w: WorkContext): Promise<void> {
  for (const stopped of await stopSessionRecordings(w.trx, w.facts.row.id)) recordingStoppedWithin(w, stopped);
}
