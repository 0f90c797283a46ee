import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../adapters/storage.ts';
import { INIT_SEGMENT_NAME, PLAYLIST_NAME } from './recorder-ffmpeg.ts';
import { type RecordingKeys, recordingKeys } from './recording-keys.ts';

export type SegmentShipperOptions = {
  /** ffmpeg's output folder. */
  dir: string;
  storage: ObjectStorage;
  keys: RecordingKeys;
  logger: Logger;
  /** How often the playlist is read (default 500 ms). */
  pollMs?: number;
};

/**
 * Uploads segments as ffmpeg completes them. A segment is complete once the playlist lists it
 * (ffmpeg rewrites the playlist atomically, after the segment file is closed); the init segment
 * goes first. Uploaded files are removed locally. A failed upload is retried on the next poll.
 */
export class SegmentShipper {
  readonly #options: SegmentShipperOptions;
  readonly #uploaded = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #bytes = 0;
  #lastError: string | null = null;
  #onUploaded: ((name: string) => void) | null = null;

  constructor(options: SegmentShipperOptions) {
    this.#options = options;
  }

  /** Media segments uploaded (the init segment not counted). */
  get segmentsUploaded(): number {
    return [...this.#uploaded].filter((name) => name !== INIT_SEGMENT_NAME).length;
  }

  get bytesUploaded(): number {
    return this.#bytes;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** Called after each upload, with the file's name (progress for tests and logs). */
  onUploaded(listener: (name: string) => void): void {
    this.#onUploaded = listener;
  }

  /** Counts what storage already holds as uploaded (resuming after a crash: those local copies are gone). */
  async adoptStored(): Promise<void> {
    const { storage, keys } = this.#options;
    for (const object of await storage.list(keys.segmentsPrefix)) this.#uploaded.add(object.key.slice(keys.segmentsPrefix.length));
  }

  start(): void {
    this.#timer = setInterval(() => void this.#ship(), this.#options.pollMs ?? 500);
    this.#timer.unref();
  }

  /** After ffmpeg has exited: ships whatever the final playlist lists. Throws if some could not be. */
  async finish(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ship();
    if (this.#lastError) throw new Error(`segments could not all be stored: ${this.#lastError}`);
  }

  /** One pass at a time: passes queue behind each other. */
  #ship(): Promise<void> {
    this.#running = this.#running
      .then(() => this.#pass())
      .catch((error: unknown) => {
        this.#lastError = error instanceof Error ? error.message : String(error);
      });
    return this.#running;
  }

  async #pass(): Promise<void> {
    const { dir, storage, keys, logger } = this.#options;
    let listed: string[];
    try {
      listed = parsePlaylist(await readFile(join(dir, PLAYLIST_NAME), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // no segment complete yet
      throw error;
    }
    this.#lastError = null;
    for (const name of [INIT_SEGMENT_NAME, ...listed]) {
      if (this.#uploaded.has(name) || listed.length === 0) continue;
      const path = join(dir, name);
      try {
        const { size } = await stat(path);
        await storage.putFile(keys.segment(name), path, { contentType: name.endsWith('.mp4') ? 'video/mp4' : 'video/iso.segment' });
        this.#uploaded.add(name);
        this.#bytes += size;
        await rm(path, { force: true });
        this.#onUploaded?.(name);
      } catch (error) {
        this.#lastError = `${name}: ${error instanceof Error ? error.message : String(error)}`;
        logger.warn({ err: error, segment: name }, 'segment upload failed; retrying on the next pass');
        // Later segments wait: storage keeps a gap-free prefix of the recording.
        return;
      }
    }
  }
}

/** The media segment file names an HLS playlist lists, in order. */
export function parsePlaylist(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export type LeftoverOptions = { workDir: string; recordingId: string; storage: ObjectStorage; logger: Logger };

/**
 * After a crash, on the machine the recorder ran on: stores the complete segments its scratch
 * folder still holds, then removes the folder. When a recorder's process dies, its ffmpeg sees
 * its input end and finishes the segment in progress, so this recovers all but the last moments.
 * Returns how many segments it added (0 when there is no folder). Run it before finalize.
 */
export async function storeLeftoverSegments(options: LeftoverOptions): Promise<number> {
  const dir = join(options.workDir, options.recordingId);
  try {
    await stat(dir);
  } catch {
    return 0;
  }
  const shipper = new SegmentShipper({ dir, storage: options.storage, keys: recordingKeys(options.recordingId), logger: options.logger });
  await shipper.adoptStored();
  const before = shipper.segmentsUploaded;
  await shipper.finish();
  await rm(dir, { recursive: true, force: true });
  return shipper.segmentsUploaded - before;
}
