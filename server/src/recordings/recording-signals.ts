import type { WorkContext } from '../work/unit-of-work.ts';
import { type RecordingRow, stopSessionRecordings } from './recordings.repository.ts';

/**
 * What a recording's start and stop tell the world, recorded in the change's unit of work: the
 * recorder's effects, and the consent signals (realtime, LiveKit room metadata) and events.
 */
export function recordingStartedWithin(_w: WorkContext, _row: RecordingRow): void {}

export function recordingStoppedWithin(w: WorkContext, row: RecordingRow): void {
  w.effect({ kind: 'recording.stop', sessionId: row.session_id, recordingId: row.id });
}

/** The recording is playable. */
export function recordingSavedWithin(_w: WorkContext, _row: RecordingRow): void {}

/** Inside the end of a session: every recording in progress stops, and its worker finalizes it. */
export async function stopRecordingsWithin(w: WorkContext): Promise<void> {
  for (const stopped of await stopSessionRecordings(w.trx, w.facts.row.id)) recordingStoppedWithin(w, stopped);
}
