import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { type I420Frame, Y4mReader } from './y4m-reader.ts';

/** The PCM the decoder hands out: what LiveKit's Opus encoder takes without resampling. */
export const PCM_SAMPLE_RATE = 48_000;
export const PCM_CHANNELS = 2;

export type FlvDecoderOptions = {
  /** The ffmpeg binary (default "ffmpeg" on PATH). */
  ffmpegPath?: string;
  /** Decode the video stream; the FLV has one. */
  video: boolean;
  /** Decode the audio stream; the FLV has one. */
  audio: boolean;
  /** Pictures taller than this are scaled down (default 1080), keeping the aspect ratio. */
  maxHeight?: number;
  /** Called for each decoded picture; the buffer is reused once it returns. */
  onVideoFrame: (frame: I420Frame) => void;
  /** Called with interleaved s16le PCM at 48 kHz stereo, in chunks of any size; awaited (backpressure). */
  onAudio: (pcm: Buffer) => Promise<void>;
};

export type DecoderExit = { code: number | null; signal: NodeJS.Signals | null; stderr: string };

/**
 * One ffmpeg child that decodes an FLV stream fed on its stdin: pictures come out as
 * yuv4mpegpipe (I420) on stdout and sound as 48 kHz stereo s16le on fd 3. Nothing secret is on
 * its command line (the stream key never leaves golive's memory).
 */
export class FlvDecoder {
  readonly #child: ChildProcess;
  readonly #stdin: Writable;
  readonly exited: Promise<DecoderExit>;
  #stderr = '';

  constructor(options: FlvDecoderOptions) {
    const maxHeight = options.maxHeight ?? 1080;
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0'];
    if (options.video) {
      args.push(
        '-map',
        '0:v:0',
        '-vf',
        `scale=w=-2:h='min(${maxHeight},ih)':flags=bilinear`,
        '-fps_mode',
        'passthrough',
        '-pix_fmt',
        'yuv420p',
        '-f',
        'yuv4mpegpipe',
        'pipe:1',
      );
    }
    if (options.audio) {
      args.push('-map', '0:a:0', '-ac', String(PCM_CHANNELS), '-ar', String(PCM_SAMPLE_RATE), '-f', 's16le', 'pipe:3');
    }
    const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.#child = child;
    this.#stdin = child.stdin as Writable;
    // A write after ffmpeg has gone raises EPIPE on stdin; the exit carries the reason.
    this.#stdin.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 8_000) this.#stderr += chunk.toString();
    });
    this.exited = new Promise<DecoderExit>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        const hint = error.code === 'ENOENT' ? ': ffmpeg is not installed (apt-get install -y ffmpeg; ./golive start installs it)' : '';
        this.#stderr += `${error.message}${hint}`;
        resolve({ code: null, signal: null, stderr: this.#stderr });
      });
      child.once('close', (code, signal) => resolve({ code, signal, stderr: this.#stderr.trim() }));
    });

    if (options.video) {
      const reader = new Y4mReader(options.onVideoFrame);
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (error) {
          this.#stderr += `golive could not read ffmpeg's pictures: ${(error as Error).message}\n`;
          child.kill('SIGKILL');
        }
      });
    }
    if (options.audio) void this.#pumpAudio(child.stdio[3] as Readable, options.onAudio);
  }

  /** Writes FLV bytes; false means ffmpeg is behind: wait for drain() before writing more. */
  write(bytes: Buffer): boolean {
    if (this.#stdin.destroyed || this.#stdin.writableEnded) return true;
    return this.#stdin.write(bytes);
  }

  drain(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#stdin.writableNeedDrain) return resolve();
      this.#stdin.once('drain', resolve);
      this.#stdin.once('close', resolve);
    });
  }

  /** Ends the input; ffmpeg flushes what it has and exits. Killed if it takes longer than graceMs. */
  async end(graceMs = 3_000): Promise<DecoderExit> {
    if (!this.#stdin.writableEnded) this.#stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pid of ffmpeg, for CPU measurements. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  async #pumpAudio(pcm: Readable, onAudio: (pcm: Buffer) => Promise<void>): Promise<void> {
    try {
      for await (const chunk of pcm) await onAudio(chunk as Buffer);
    } catch (error) {
      this.#stderr += `golive could not publish the sound: ${(error as Error).message}\n`;
      this.#child.kill('SIGKILL');
    }
  }
}
