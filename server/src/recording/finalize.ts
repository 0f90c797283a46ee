import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { ObjectStorage, StoredObject } from '../adapters/storage.ts';
import { Errors } from '../errors.ts';
import { probeMedia } from './media-probe.ts';
import { INIT_SEGMENT_NAME } from './recorder-ffmpeg.ts';
import { recordingKeys } from './recording-keys.ts';

const run = promisify(execFile);

export type FinalizeOptions = {
  storage: ObjectStorage;
  recordingId: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** Scratch space for the download and the remux. */
  workDir: string;
  /** Keep the segments after the MP4 is stored (default false: they are deleted). */
  keepSegments?: boolean;
};

export type FinalizedRecording = {
  /** Storage key of the MP4. */
  key: string;
  durationSec: number;
  sizeBytes: number;
  /** Media segments the file was made of (0 when it was already finalized). */
  segments: number;
  video: { width: number; height: number } | null;
  hasAudio: boolean;
};

const SEGMENT = /\/seg-(\d{6})\.m4s$/;

/**
 * Makes the recording's MP4 from the segments in storage: the init segment and the media
 * segments joined (together they are one fragmented MP4), remuxed without re-encoding into a
 * plain MP4 with the index first (faststart) so browsers seek at once, probed, stored, and the
 * segments deleted. Works from storage alone, so any instance can run it, also for a recorder that
 * was killed: what it stored is a gap-free run of complete segments. Running it again after it
 * succeeded answers the stored file.
 */
export async function finalizeRecording(options: FinalizeOptions): Promise<FinalizedRecording> {
  const { storage, recordingId } = options;
  const keys = recordingKeys(recordingId);
  const stored = await storage.list(keys.segmentsPrefix);
  const init = stored.find((o) => o.key === keys.segment(INIT_SEGMENT_NAME));
  // Only the unbroken run from the first segment: after a gap, timestamps would jump.
  const media: StoredObject[] = [];
  for (const object of stored.filter((o) => SEGMENT.test(o.key))) {
    if (Number(SEGMENT.exec(object.key)?.[1]) !== media.length) break;
    media.push(object);
  }

  const dir = join(options.workDir, `finalize-${recordingId}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  try {
    if (!init || media.length === 0) {
      if (!(await storage.stat(keys.file))) throw new Errors.recordingEmpty(recordingId);
      // Finalized before (the segments are gone): describe the stored file.
      const local = join(dir, 'recording.mp4');
      await pipeline(await storage.get(keys.file), createWriteStream(local));
      return { key: keys.file, segments: 0, ...(await describe(options.ffprobePath, local)) };
    }
    const joined = join(dir, 'joined.mp4');
    const out = createWriteStream(joined);
    for (const object of [init, ...media]) await append(await storage.get(object.key), out);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));

    const file = join(dir, 'recording.mp4');
    await run(options.ffmpegPath, [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      joined,
      '-map',
      '0',
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      '-y',
      file,
    ]);
    const described = await describe(options.ffprobePath, file);
    await storage.putFile(keys.file, file, { contentType: 'video/mp4' });
    if (!options.keepSegments) await storage.deletePrefix(keys.segmentsPrefix);
    return { key: keys.file, segments: media.length, ...described };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies source to the end of target, which stays open for the next one. */
async function append(source: Readable, target: Writable): Promise<void> {
  for await (const chunk of source) {
    if (!target.write(chunk)) await once(target, 'drain');
  }
}

async function describe(ffprobePath: string, path: string) {
  const probe = await probeMedia(ffprobePath, path);
  const video = probe.streams.find((s) => s.type === 'video');
  return {
    durationSec: probe.durationSec,
    sizeBytes: probe.sizeBytes,
    video: video?.width && video.height ? { width: video.width, height: video.height } : null,
    hasAudio: probe.streams.some((s) => s.type === 'audio'),
  };
}
