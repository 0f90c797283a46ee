// Reading recorded files back for tests: frames as I420 (for the frame stamps), loudness, probes.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import type { ObjectStorage } from '../src/adapters/storage.ts';
import type { EncoderSettings } from '../src/config/storage-config.ts';
import type { Rect } from '../src/recording/recorder-layout.ts';
import { readFrameStamp } from './media.ts';

const run = promisify(execFile);

/** Small, quick settings for tests: 640x360 at 30 fps, 2 s segments. */
export const TEST_ENCODER: EncoderSettings = {
  width: 640,
  height: 360,
  fps: 30,
  preset: 'veryfast',
  crf: 23,
  videoBitrateKbps: null,
  audioBitrateKbps: 96,
  threads: 2,
  segmentSec: 2,
};

/** Downloads a stored object to a local file. */
export async function download(storage: ObjectStorage, key: string, path: string): Promise<void> {
  await pipeline(await storage.get(key), createWriteStream(path));
}

/**
 * The video frame shown at atSec (a negative value counts from the end), optionally cropped to a
 * rect of the picture, as I420.
 */
export async function frameAt(file: string, atSec: number, crop?: Rect): Promise<VideoFrame> {
  const seek = atSec < 0 ? ['-sseof', String(atSec)] : ['-ss', String(atSec)];
  const filters = crop ? ['-vf', `crop=${crop.width}:${crop.height}:${crop.x}:${crop.y}`] : [];
  const { stdout: size } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const [fullWidth, fullHeight] = size.trim().split(',').map(Number);
  const width = crop?.width ?? fullWidth ?? 0;
  const height = crop?.height ?? fullHeight ?? 0;
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...seek, '-i', file, ...filters, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return new VideoFrame(new Uint8Array(stdout), width, height, VideoBufferType.I420);
}

/** The publisher's frame number stamped in the picture (or the rect of it), or null. */
export async function stampAt(file: string, atSec: number, crop?: Rect): Promise<number | null> {
  return readFrameStamp(await frameAt(file, atSec, crop));
}

/** Mean loudness of the audio between from and from+durationSec, in dBFS (ffmpeg volumedetect). */
export async function meanVolumeDb(file: string, from: number, durationSec: number): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-v',
    'info',
    '-ss',
    String(from),
    '-t',
    String(durationSec),
    '-i',
    file,
    '-vn',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  const match = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match?.[1]) throw new Error(`volumedetect gave no mean volume: ${stderr.slice(-400)}`);
  return match[1] === '-inf' ? Number.NEGATIVE_INFINITY : Number(match[1]);
}
