import { isValidKey } from '../adapters/storage-keys.ts';

/** Where one recording's objects live in storage. Any instance finds them from the id alone. */
export type RecordingKeys = {
  /** Everything of the recording: deleting it deletes the recording. */
  prefix: string;
  /** The init segment and the media segments written while recording, in key order. */
  segmentsPrefix: string;
  segment(name: string): string;
  /** The finished MP4 (H.264/AAC, faststart). */
  file: string;
};

export function recordingKeys(recordingId: string): RecordingKeys {
  if (!isValidKey(recordingId) || recordingId.includes('/')) throw new Error(`invalid recording id ${JSON.stringify(recordingId)}`);
  const prefix = `recordings/${recordingId}/`;
  return {
    prefix,
    segmentsPrefix: `${prefix}segments/`,
    segment: (name) => `${prefix}segments/${name}`,
    file: `${prefix}recording.mp4`,
  };
}
