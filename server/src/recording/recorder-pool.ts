import type { Logger } from 'pino';
import type { ObjectStorage } from '../adapters/storage.ts';
import type { RecordingConfig } from '../config/storage-config.ts';
import { Errors } from '../errors.ts';
import { ownCpuSeconds } from './process-cpu.ts';
import { Recorder, type RecordingOutcome } from './recorder.ts';

export type RecorderPoolOptions = {
  config: RecordingConfig;
  storage: ObjectStorage;
  logger: Logger;
};

export type StartRecorderRequest = {
  recordingId: string;
  livekitUrl: string;
  /** From mintRecorderToken. */
  token: string;
};

/** What the recorders of this process use and wrote, for metrics. */
export type RecorderPoolStats = {
  active: number;
  /** CPU seconds this whole process has used (recorders' decoding and composing are in it). */
  processCpuSec: number;
  /** CPU seconds of the running recorders' ffmpeg processes, plus those of ended ones. */
  ffmpegCpuSec: number;
  /** Bytes stored by every recorder since the process started. */
  bytesWritten: number;
  failures: number;
};

/**
 * The recorders one process runs, capped by RECORDING_MAX_CONCURRENT: a start past the cap is
 * refused with RECORDER_CAPACITY, at once, before anything is spawned.
 */
export class RecorderPool {
  readonly #options: RecorderPoolOptions;
  readonly #running = new Map<string, Recorder>();
  /** Slots taken by starts still joining the room, so concurrent starts cannot pass the cap. */
  readonly #starting = new Set<string>();
  #endedFfmpegCpuSec = 0;
  #endedBytes = 0;
  #failures = 0;
  /** stopAll was called (shutdown): no new recorder starts, and one still joining is stopped. */
  #closed = false;
  #ran = false;

  constructor(options: RecorderPoolOptions) {
    this.#options = options;
  }

  get capacity(): number {
    return this.#options.config.maxConcurrent;
  }

  get(recordingId: string): Recorder | undefined {
    return this.#running.get(recordingId);
  }

  /** A recorder ran in this process, so rtc-node's native runtime is up and wants disposing at exit. */
  get ran(): boolean {
    return this.#ran;
  }

  /** The recordings whose recorders run here now. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  async start(request: StartRecorderRequest): Promise<Recorder> {
    const { recordingId } = request;
    if (this.#closed) throw new Errors.notReady('this instance is shutting down: another worker takes the recording');
    if (this.#running.has(recordingId) || this.#starting.has(recordingId)) throw new Errors.recordingRunning(recordingId);
    if (this.#running.size + this.#starting.size >= this.capacity) throw new Errors.recorderCapacity(this.capacity);
    this.#starting.add(recordingId);
    this.#ran = true;
    const { config, storage, logger } = this.#options;
    try {
      const recorder = await Recorder.start({
        ...request,
        storage,
        encoder: config.encoder,
        ffmpegPath: config.ffmpegPath,
        workDir: config.workDir,
        logger,
      });
      this.#running.set(recordingId, recorder);
      void recorder.ended.then((outcome) => this.#ended(recorder, outcome));
      if (this.#closed) {
        // Shut down while it was joining: what it wrote stays finalizable by another worker.
        await recorder.stop();
        throw new Errors.notReady('this instance is shutting down: another worker takes the recording');
      }
      return recorder;
    } catch (error) {
      this.#failures += 1;
      throw error;
    } finally {
      this.#starting.delete(recordingId);
    }
  }

  /** Stops one recorder; undefined when none with that id runs here. */
  async stop(recordingId: string): Promise<RecordingOutcome | undefined> {
    return this.#running.get(recordingId)?.stop();
  }

  /** Stops every recorder (shutdown): each stores its last segment. */
  async stopAll(): Promise<RecordingOutcome[]> {
    this.#closed = true;
    return Promise.all([...this.#running.values()].map((r) => r.stop()));
  }

  stats(): RecorderPoolStats {
    let ffmpegCpuSec = this.#endedFfmpegCpuSec;
    let bytesWritten = this.#endedBytes;
    for (const recorder of this.#running.values()) {
      const stats = recorder.stats();
      ffmpegCpuSec += stats.ffmpegCpuSec;
      bytesWritten += stats.bytesUploaded;
    }
    return { active: this.#running.size, processCpuSec: ownCpuSeconds(), ffmpegCpuSec, bytesWritten, failures: this.#failures };
  }

  #ended(recorder: Recorder, outcome: RecordingOutcome): void {
    const stats = recorder.stats();
    this.#endedFfmpegCpuSec += stats.ffmpegCpuSec;
    this.#endedBytes += outcome.bytesUploaded;
    if (outcome.error) this.#failures += 1;
    this.#running.delete(recorder.recordingId);
  }
}
