import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { EncoderSettings } from '../config/storage-config.ts';
import { Errors } from '../errors.ts';

/** The mix's sample rate and layout: what the recorder writes and AAC encodes. */
export const AUDIO_SAMPLE_RATE = 48_000;
export const AUDIO_CHANNELS = 1;

export const PLAYLIST_NAME = 'index.m3u8';
export const INIT_SEGMENT_NAME = 'init.mp4';
/** Segment files: zero-padded, so key order is time order. */
export const SEGMENT_PATTERN = 'seg-%06d.m4s';

/**
 * ffmpeg reading raw I420 frames on stdin and mono s16le on fd 3, encoding H.264 + AAC, and
 * writing HLS with fragmented-MP4 segments: an init segment, then one file per segment, each
 * listed in the playlist only once complete.
 */
export function ffmpegArgs(settings: EncoderSettings, dir: string): string[] {
  const { width, height, fps, segmentSec } = settings;
  // Key frames on a fixed cadence that divides the segment length, so segments cut exactly.
  const gop = fps * (segmentSec % 2 === 0 ? 2 : 1);
  const rate =
    settings.videoBitrateKbps === null
      ? ['-crf', String(settings.crf)]
      : [
          '-b:v',
          `${settings.videoBitrateKbps}k`,
          '-maxrate',
          `${settings.videoBitrateKbps}k`,
          '-bufsize',
          `${settings.videoBitrateKbps * 2}k`,
        ];
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostats',
    ...[
      '-thread_queue_size',
      '64',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-video_size',
      `${width}x${height}`,
      '-framerate',
      String(fps),
    ],
    ...['-i', 'pipe:0'],
    ...['-thread_queue_size', '512', '-f', 's16le', '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS), '-i', 'pipe:3'],
    ...['-map', '0:v', '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', settings.preset, ...rate, '-pix_fmt', 'yuv420p'],
    ...['-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
    ...(settings.threads > 0 ? ['-threads', String(settings.threads)] : []),
    ...['-c:a', 'aac', '-b:a', `${settings.audioBitrateKbps}k`],
    ...['-f', 'hls', '-hls_time', String(segmentSec), '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'event'],
    ...['-hls_fmp4_init_filename', INIT_SEGMENT_NAME, '-hls_segment_filename', join(dir, SEGMENT_PATTERN)],
    ...['-hls_flags', 'independent_segments'],
    join(dir, PLAYLIST_NAME),
  ];
}

export type FfmpegExit = { code: number | null; signal: NodeJS.Signals | null; stderr: string };

/** One ffmpeg encoding process and its two input pipes. */
export class FfmpegEncoder {
  readonly #child: ChildProcess;
  readonly video: Writable;
  readonly audio: Writable;
  /** Resolves when ffmpeg has exited, whatever the reason. */
  readonly exited: Promise<FfmpegExit>;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    const [stdin, , , fd3] = child.stdio;
    this.video = stdin as Writable;
    this.audio = fd3 as Writable;
    // A pipe closing under a write (ffmpeg died) surfaces through `exited`, not as a crash.
    this.video.on('error', () => {});
    this.audio.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal, stderr: this.#stderr }));
    });
  }

  /** Starts ffmpeg; rejects with RECORDER_FAILED when the binary cannot run. */
  static async start(ffmpegPath: string, settings: EncoderSettings, dir: string): Promise<FfmpegEncoder> {
    const child = spawn(ffmpegPath, ffmpegArgs(settings, dir), { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Errors.recorderFailed(
            error.code === 'ENOENT'
              ? `${ffmpegPath} was not found: install ffmpeg (apt-get install -y ffmpeg) or set RECORDING_FFMPEG_PATH`
              : `${ffmpegPath} could not start (${error.code ?? error.message})`,
          ),
        ),
      );
    });
    return new FfmpegEncoder(child);
  }

  get pid(): number | null {
    return this.#child.pid ?? null;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Bytes written to ffmpeg but not yet taken by it. */
  get backlogBytes(): number {
    return this.video.writableLength + this.audio.writableLength;
  }

  /** Closes both inputs: ffmpeg encodes what it has, writes the last segment and the end of the playlist. */
  async finish(timeoutMs = 15_000): Promise<FfmpegExit> {
    this.video.end();
    this.audio.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}
