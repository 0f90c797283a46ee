import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DisconnectReason, Room, RoomEvent, VideoBufferType } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../adapters/storage.ts';
import type { EncoderSettings } from '../config/storage-config.ts';
import { Errors } from '../errors.ts';
import { type MediaGap, MediaGapLog } from './media-gaps.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { I420Canvas } from './recorder-compositor.ts';
import { AUDIO_SAMPLE_RATE, FfmpegEncoder } from './recorder-ffmpeg.ts';
import { layoutStage, type Tile } from './recorder-layout.ts';
import type { RecorderEndReason, RecorderStats, RecordingOutcome } from './recorder-outcome.ts';
import { SegmentShipper } from './recorder-segments.ts';
import { StageSources } from './recorder-sources.ts';
import { recordingKeys } from './recording-keys.ts';

export type { RecorderEndReason, RecorderStats, RecordingOutcome };

export type RecorderOptions = {
  /** Names the recording's objects in storage (recording-keys.ts). */
  recordingId: string;
  livekitUrl: string;
  /** A token with the recorder grant (recorder-token.ts): hidden, subscribe only. */
  token: string;
  storage: ObjectStorage;
  encoder: EncoderSettings;
  ffmpegPath: string;
  /** Parent folder of the recorder's scratch folder. */
  workDir: string;
  logger: Logger;
  connectTimeoutMs?: number;
};

/** Encoder backlog past which frame periods are skipped rather than queued without bound. */
const MAX_BACKLOG_SEC = 2;

/**
 * A hidden participant that records the stage as viewers see it: it subscribes to every camera,
 * screen share and microphone, composes the video into one canvas at a fixed frame rate, mixes
 * the audio, and feeds both to ffmpeg, whose segments go to storage as they complete.
 */
export class Recorder {
  readonly recordingId: string;
  /** Resolves once the recorder has ended, for whatever reason, with what it wrote. */
  readonly ended: Promise<RecordingOutcome>;
  readonly #options: RecorderOptions;
  readonly #room = new Room();
  readonly #canvas: I420Canvas;
  readonly #sources = new StageSources();
  readonly #dir: string;
  readonly #log: Logger;
  #encoder: FfmpegEncoder | null = null;
  #shipper: SegmentShipper | null = null;
  #tiles: Tile[] = [];
  #clockStart = 0;
  #startedAt = new Date();
  #periods = 0;
  readonly #gaps: MediaGapLog;
  #timer: NodeJS.Timeout | null = null;
  /** The last picture handed to ffmpeg, written again while nothing changes. */
  #lastFrame: Buffer | null = null;
  #ffmpegCpuSec = 0;
  #finishing: Promise<RecordingOutcome> | null = null;
  #resolveEnded: (outcome: RecordingOutcome) => void = () => {};

  private constructor(options: RecorderOptions) {
    this.#options = options;
    this.recordingId = options.recordingId;
    this.#canvas = new I420Canvas(options.encoder.width, options.encoder.height);
    this.#gaps = new MediaGapLog(options.encoder.fps);
    this.#dir = join(options.workDir, options.recordingId);
    this.#log = options.logger.child({ recordingId: options.recordingId });
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** Joins the room and starts recording; rejects (having cleaned up) if either fails. */
  static async start(options: RecorderOptions): Promise<Recorder> {
    const recorder = new Recorder(options);
    await recorder.#begin();
    return recorder;
  }

  /** When the first frame period was written: media time 0. */
  get startedAt(): Date {
    return this.#startedAt;
  }

  /** The pid of this recorder's ffmpeg, while it runs. */
  get ffmpegPid(): number | null {
    return this.#encoder?.running ? this.#encoder.pid : null;
  }

  /** Media time written to the encoder so far. */
  get writtenSec(): number {
    return (this.#periods - this.#gaps.skips) / this.#options.encoder.fps;
  }

  /** The wall-clock stretches missing from the video so far; `version` changes with every skip. */
  get mediaGaps(): { version: number; gaps: MediaGap[] } {
    return { version: this.#gaps.skips, gaps: this.#gaps.toJSON() };
  }

  stats(): RecorderStats {
    const pid = this.#encoder?.pid;
    const cpu = pid ? processCpuSeconds(pid) : null;
    if (cpu !== null) this.#ffmpegCpuSec = cpu;
    return {
      recordingId: this.recordingId,
      writtenSec: this.writtenSec,
      segmentsUploaded: this.#shipper?.segmentsUploaded ?? 0,
      bytesUploaded: this.#shipper?.bytesUploaded ?? 0,
      droppedFrames: this.#gaps.skips,
      ffmpegCpuSec: this.#ffmpegCpuSec,
      videoSources: this.#sources.videos.size,
      audioSources: this.#sources.audio.sourceCount,
    };
  }

  /** Called after each segment reaches storage (progress for logs and tests). */
  onSegmentStored(listener: (name: string) => void): void {
    this.#shipper?.onUploaded(listener);
  }

  /** Stops recording: the last segment is written and stored. Safe to call more than once. */
  stop(): Promise<RecordingOutcome> {
    return this.#finish('stopped', null);
  }

  async #begin(): Promise<void> {
    const { encoder, ffmpegPath, storage, livekitUrl, token } = this.#options;
    await rm(this.#dir, { recursive: true, force: true });
    await mkdir(this.#dir, { recursive: true });
    try {
      this.#encoder = await FfmpegEncoder.start(ffmpegPath, encoder, this.#dir);
      this.#sources.attach(this.#room);
      this.#listen();
      const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const connecting = this.#room.connect(livekitUrl, token, { autoSubscribe: true, dynacast: false });
      try {
        await Promise.race([
          connecting,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        connecting.then(() => this.#room.disconnect()).catch(() => {});
        throw new Errors.recorderFailed(`could not join the room: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      this.#encoder?.kill();
      await this.#encoder?.exited;
      await rm(this.#dir, { recursive: true, force: true });
      throw error;
    }
    this.#shipper = new SegmentShipper({ dir: this.#dir, storage, keys: recordingKeys(this.recordingId), logger: this.#log });
    this.#shipper.start();
    void this.#encoder.exited.then((exit) => {
      if (!this.#finishing)
        this.#finish('encoder_failed', `ffmpeg exited (${exit.code ?? exit.signal}): ${exit.stderr.trim().slice(-500)}`);
    });
    this.#clockStart = performance.now();
    this.#startedAt = new Date();
    this.#tick();
    this.#log.info({ width: encoder.width, height: encoder.height, fps: encoder.fps }, 'recording started');
  }

  #listen(): void {
    this.#room.on(RoomEvent.Disconnected, (reason: DisconnectReason) => {
      if (!this.#finishing) this.#finish('room_disconnected', null);
      this.#log.info({ reason }, 'recorder left the room');
    });
  }

  /** Writes every frame period that is due by the wall clock, then sleeps until the next one. */
  #tick(): void {
    const encoder = this.#encoder;
    if (!encoder || this.#finishing) return;
    const { fps, width, height } = this.#options.encoder;
    const due = Math.floor(((performance.now() - this.#clockStart) * fps) / 1000) + 1 - this.#periods;
    if (due > 0) {
      // A copy per changed picture: a written buffer must not change while it waits in the pipe.
      if (this.#compose() || !this.#lastFrame) this.#lastFrame = Buffer.from(this.#canvas.data);
      const frame = this.#lastFrame;
      const backlogLimit = MAX_BACKLOG_SEC * fps * frame.length;
      for (let i = 0; i < due; i++) {
        const k = this.#periods;
        const samples = new Int16Array(Math.floor(((k + 1) * AUDIO_SAMPLE_RATE) / fps) - Math.floor((k * AUDIO_SAMPLE_RATE) / fps));
        this.#sources.audio.mixInto(samples);
        this.#periods += 1;
        if (encoder.backlogBytes > backlogLimit) {
          // Video and audio skip the same period, so they stay in sync.
          this.#gaps.skipped(k);
          continue;
        }
        encoder.video.write(frame);
        encoder.audio.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      }
      if (this.#gaps.skips > 0 && this.#gaps.skips % (fps * 10) === 0)
        this.#log.warn({ dropped: this.#gaps.skips, width, height }, 'ffmpeg falls behind');
    }
    const nextAt = this.#clockStart + (this.#periods * 1000) / fps;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, nextAt - performance.now()));
  }

  /** Redraws the canvas: everything after a layout change, otherwise only tiles with a new frame. Returns whether anything changed. */
  #compose(): boolean {
    const sources = this.#sources;
    let changed = sources.layoutDirty;
    if (sources.layoutDirty) {
      const visible = [...sources.videos.values()].filter((v) => !v.muted);
      this.#tiles = layoutStage(visible, this.#canvas);
      this.#canvas.clear();
      this.#canvas.resetMappings();
      sources.layoutDirty = false;
      for (const video of visible) video.fresh = video.latest !== null;
    }
    for (const tile of this.#tiles) {
      const video = sources.videos.get(tile.id);
      if (!video?.fresh || !video.latest) continue;
      const frame = video.latest.type === VideoBufferType.I420 ? video.latest : video.latest.convert(VideoBufferType.I420);
      this.#canvas.draw(frame, tile.rect, tile.fit);
      video.fresh = false;
      changed = true;
    }
    return changed;
  }

  #finish(reason: RecorderEndReason, error: string | null): Promise<RecordingOutcome> {
    this.#finishing ??= this.#wrapUp(reason, error).then((outcome) => {
      this.#resolveEnded(outcome);
      return outcome;
    });
    return this.#finishing;
  }

  async #wrapUp(reason: RecorderEndReason, failure: string | null): Promise<RecordingOutcome> {
    if (this.#timer) clearTimeout(this.#timer);
    let error = failure;
    this.#sources.close();
    await this.#room.disconnect().catch(() => {});
    const encoder = this.#encoder;
    if (encoder) {
      this.stats(); // last CPU reading while the process is still there
      const exit = await encoder.finish();
      if (exit.code !== 0 && error === null) error = `ffmpeg exited (${exit.code ?? exit.signal}): ${exit.stderr.trim().slice(-500)}`;
    }
    try {
      await this.#shipper?.finish();
      await rm(this.#dir, { recursive: true, force: true });
    } catch (shipError) {
      // The scratch folder stays: its segments are what storage is missing.
      error ??= shipError instanceof Error ? shipError.message : String(shipError);
    }
    const outcome: RecordingOutcome = {
      recordingId: this.recordingId,
      reason,
      startedAt: this.#startedAt,
      endedAt: new Date(),
      writtenSec: this.writtenSec,
      segments: this.#shipper?.segmentsUploaded ?? 0,
      bytesUploaded: this.#shipper?.bytesUploaded ?? 0,
      droppedFrames: this.#gaps.skips,
      mediaGaps: this.#gaps.toJSON(),
      error,
    };
    this.#log.info({ ...outcome, startedAt: undefined, endedAt: undefined }, error ? 'recording ended with an error' : 'recording ended');
    return outcome;
  }
}
