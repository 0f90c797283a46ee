import type { MediaGap } from './media-gaps.ts';

/** Why a recorder ended: asked to, the room went away (session ended), or ffmpeg died. */
export type RecorderEndReason = 'stopped' | 'room_disconnected' | 'encoder_failed';

export type RecordingOutcome = {
  recordingId: string;
  reason: RecorderEndReason;
  startedAt: Date;
  endedAt: Date;
  /** Media time written to the encoder. */
  writtenSec: number;
  segments: number;
  bytesUploaded: number;
  /** Frame periods skipped because ffmpeg fell behind (0 on a machine that keeps up). */
  droppedFrames: number;
  /** Where those periods were: the wall-clock stretches missing from the video. */
  mediaGaps: MediaGap[];
  /** What went wrong, if anything did (the segments stored so far remain finalizable). */
  error: string | null;
};

export type RecorderStats = {
  recordingId: string;
  writtenSec: number;
  segmentsUploaded: number;
  bytesUploaded: number;
  droppedFrames: number;
  /** CPU seconds of this recorder's ffmpeg so far (the recorder's own share is in the process's). */
  ffmpegCpuSec: number;
  videoSources: number;
  audioSources: number;
};
