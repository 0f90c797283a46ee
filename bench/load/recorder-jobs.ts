// The P7 recorder process: runs golive's recorder (rtc-node + composing + ffmpeg) on its own, so
// its CPU is measured apart from the publisher, livekit-server and golive; and, as the baseline,
// ffmpeg alone encoding the same synthetic frames and tone with the same settings, fed from here.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioStream, dispose, Room, RoomEvent, TrackKind, VideoStream } from '@livekit/rtc-node';
import { LocalStorage } from '../../server/src/adapters/storage-local.ts';
import type { EncoderSettings } from '../../server/src/config/storage-config.ts';
import { createLogger } from '../../server/src/logger.ts';
import { finalizeRecording } from '../../server/src/recording/finalize.ts';
import { Recorder } from '../../server/src/recording/recorder.ts';
import { i420Size } from '../../server/src/recording/recorder-compositor.ts';
import { AUDIO_SAMPLE_RATE, FfmpegEncoder } from '../../server/src/recording/recorder-ffmpeg.ts';
import { drawSyntheticFrame } from '../../server/test/media.ts';
import { serveParent } from '../lib/ipc.ts';

export type StartRecorderJob = { recordingId: string; livekitUrl: string; token: string; encoder: EncoderSettings };
export type RecorderStatus = { writtenSec: number; videoSources: number; audioSources: number; ffmpegPid: number | null };
export type StopRecorderJob = { recordingId: string; finalize: boolean };
/** Stop → finalized MP4 stored, and its parts. */
export type StopResult = {
  stopMs: number;
  finalizeMs: number;
  durationSec: number;
  sizeBytes: number;
  segments: number;
  droppedFrames: number;
};
export type BaselineJob = { encoder: EncoderSettings };

const scratch = mkdtempSync(join(tmpdir(), 'golive-bench-recorder-'));
const storage = new LocalStorage({
  root: join(scratch, 'storage'),
  baseUrl: 'http://127.0.0.1:9',
  signingSecret: randomBytes(32).toString('hex'),
});
const logger = createLogger('warn');
const recorders = new Map<string, Recorder>();
let baseline: { encoder: FfmpegEncoder; timer: NodeJS.Timeout; dir: string } | null = null;
let bare: { room: Room; frames: number } | null = null;

/**
 * The floor under the recorder: an rtc-node participant that subscribes like the recorder
 * (every track, audio in the same 50 ms frames) and reads every decoded frame into JavaScript,
 * doing nothing with it. What rtc-node itself costs before golive composes or encodes anything.
 */
async function startBare(job: { livekitUrl: string; token: string }): Promise<{ frames: number }> {
  const room = new Room();
  const state = { room, frames: 0 };
  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind === TrackKind.KIND_VIDEO) {
      void drain(new VideoStream(track), () => {
        state.frames += 1;
      });
    } else {
      void drain(new AudioStream(track, { sampleRate: AUDIO_SAMPLE_RATE, numChannels: 1, frameSizeMs: 50 }), () => {});
    }
  });
  await room.connect(job.livekitUrl, job.token, { autoSubscribe: true, dynacast: false });
  bare = state;
  return { frames: state.frames };
}

/** Reads a stream to its end (through its reader: this project's DOM types lack the async iterator). */
async function drain<T>(stream: { getReader(): ReadableStreamDefaultReader<T> }, each: () => void): Promise<void> {
  const reader = stream.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) each();
  } catch {
    // the track ended with the room
  }
}

async function stopBare(): Promise<{ frames: number }> {
  const frames = bare?.frames ?? 0;
  await bare?.room.disconnect();
  bare = null;
  return { frames };
}

async function start(job: StartRecorderJob): Promise<RecorderStatus> {
  const recorder = await Recorder.start({ ...job, storage, ffmpegPath: 'ffmpeg', workDir: join(scratch, 'work'), logger });
  recorders.set(job.recordingId, recorder);
  return status(job.recordingId);
}

function status(recordingId: string): RecorderStatus {
  const recorder = recorders.get(recordingId);
  if (!recorder) throw new Error(`no recorder ${recordingId}`);
  const stats = recorder.stats();
  return {
    writtenSec: stats.writtenSec,
    videoSources: stats.videoSources,
    audioSources: stats.audioSources,
    ffmpegPid: recorder.ffmpegPid,
  };
}

async function stopRecorder(job: StopRecorderJob): Promise<StopResult> {
  const recorder = recorders.get(job.recordingId);
  if (!recorder) throw new Error(`no recorder ${job.recordingId}`);
  recorders.delete(job.recordingId);
  const stopAt = performance.now();
  const outcome = await recorder.stop();
  const stoppedAt = performance.now();
  if (outcome.error) throw new Error(`the recorder failed: ${outcome.error}`);
  const base = { stopMs: stoppedAt - stopAt, droppedFrames: outcome.droppedFrames, segments: outcome.segments };
  if (!job.finalize) {
    await storage.deletePrefix(`recordings/${job.recordingId}/`);
    return { ...base, finalizeMs: 0, durationSec: outcome.writtenSec, sizeBytes: outcome.bytesUploaded };
  }
  const finalized = await finalizeRecording({
    storage,
    recordingId: job.recordingId,
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    workDir: join(scratch, 'finalize'),
  });
  const finalizeMs = performance.now() - stoppedAt;
  await storage.deletePrefix(`recordings/${job.recordingId}/`);
  return { ...base, finalizeMs, durationSec: finalized.durationSec, sizeBytes: finalized.sizeBytes, segments: finalized.segments };
}

/**
 * ffmpeg alone with the recorder's arguments, fed the synthetic publisher's frames (pattern and
 * frame stamp, drawn here) and a 440 Hz tone on the recorder's clock: what the encoding costs with
 * no WebRTC, decoding or composing around it. Returns ffmpeg's pid for the orchestrator to measure.
 */
async function startBaseline(job: BaselineJob): Promise<{ ffmpegPid: number | null }> {
  const { width, height, fps } = job.encoder;
  const dir = join(scratch, `baseline-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const encoder = await FfmpegEncoder.start('ffmpeg', job.encoder, dir);
  const pixels = new Uint8Array(i420Size(width, height)).fill(128);
  const started = performance.now();
  let period = 0;
  const timer = setInterval(
    () => {
      const due = Math.floor(((performance.now() - started) * fps) / 1000) + 1;
      for (; period < due; period++) {
        drawSyntheticFrame(pixels, width, height, period);
        encoder.video.write(Buffer.from(pixels));
        const from = Math.floor((period * AUDIO_SAMPLE_RATE) / fps);
        const samples = new Int16Array(Math.floor(((period + 1) * AUDIO_SAMPLE_RATE) / fps) - from);
        for (let i = 0; i < samples.length; i++)
          samples[i] = Math.round(9830 * Math.sin((2 * Math.PI * 440 * (from + i)) / AUDIO_SAMPLE_RATE));
        encoder.audio.write(Buffer.from(samples.buffer));
      }
    },
    1000 / fps / 2,
  );
  baseline = { encoder, timer, dir };
  return { ffmpegPid: encoder.pid };
}

async function stopBaseline(): Promise<void> {
  if (!baseline) return;
  clearInterval(baseline.timer);
  await baseline.encoder.finish();
  rmSync(baseline.dir, { recursive: true, force: true });
  baseline = null;
}

serveParent(
  {},
  {
    start: (payload) => start(payload as StartRecorderJob),
    status: (payload) => status((payload as { recordingId: string }).recordingId),
    stopRecorder: (payload) => stopRecorder(payload as StopRecorderJob),
    startBaseline: (payload) => startBaseline(payload as BaselineJob),
    stopBaseline,
    startBare: (payload) => startBare(payload as { livekitUrl: string; token: string }),
    bareFrames: () => ({ frames: bare?.frames ?? 0 }),
    stopBare,
    stop: async () => {
      await stopBaseline();
      await stopBare();
      await Promise.allSettled([...recorders.values()].map((r) => r.stop()));
      rmSync(scratch, { recursive: true, force: true });
      await dispose();
    },
  },
);
