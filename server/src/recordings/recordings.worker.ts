import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { ObjectStorage } from '../adapters/storage.ts';
import type { RecordingConfig } from '../config/storage-config.ts';
import type { Database } from '../db/schema.ts';
import type { EffectOf } from '../effects/effect.ts';
import type { RecordingEffects } from '../effects/handlers.ts';
import type { Metrics } from '../ops/metrics.ts';
import { finalizeRecording } from '../recording/finalize.ts';
import type { RecordingOutcome } from '../recording/recorder.ts';
import type { RecorderPool } from '../recording/recorder-pool.ts';
import { storeLeftoverSegments } from '../recording/recorder-segments.ts';
import { mintRecorderToken } from '../recording/recorder-token.ts';
import { recordingKeys } from '../recording/recording-keys.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { recordingSavedWithin, recordingStoppedWithin } from './recording-signals.ts';
import {
  claimOrphans,
  deleteRecordingRow,
  expiredRecordings,
  heartbeat,
  markFailed,
  markReady,
  markRecorderStarted,
  markStopped,
  readRecording,
  saveMediaGaps,
} from './recordings.repository.ts';

/** How often a worker beats for its recorders and looks at their rows. */
const TICK_MS = 1_000;
/** A recorder not heard of for this long is gone (its process died): another worker finalizes. */
export const RECORDER_STALE_SEC = 10;
/** A recording whose recorder never started this long after it was asked for is given up (finalized or failed). */
const START_GRACE_SEC = 120;
/** How often orphans and expired recordings are looked for, in ticks. */
const ORPHAN_EVERY_TICKS = 3;
const RETENTION_EVERY_TICKS = 600;

export type RecordingsWorkerDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  livekit: LivekitAdapter;
  recorders: RecorderPool;
  storage: ObjectStorage;
  config: RecordingConfig;
  /** This process, as it marks the recorders it runs. */
  instanceId: string;
  /** Recorders run only where the worker role is; elsewhere the effect is left to the workers' polls. */
  isWorker: boolean;
  metrics: Metrics;
  logger: Logger;
};

type FinalizeHow = {
  interrupted: boolean;
  stopIfRecording: boolean;
  error: string | null;
  /** The recorder's final media gaps being saved, if it had any. */
  gaps?: Promise<void> | null;
};

/**
 * The worker side of recordings: runs a recording's recorder when its start commits (the
 * `recording.start` effect), beats for the recorders it runs and stops each once its row says it
 * was stopped (the API, the end of the session), finalizes what they wrote into one MP4 and marks
 * it ready (or failed). Recordings whose recorder is gone (kill -9 of its process) are taken over
 * by any worker and finalized from what reached storage, marked interrupted. Also the retention job.
 */
export class RecordingsWorker implements RecordingEffects {
  readonly #deps: RecordingsWorkerDeps;
  /** Sessions of the recorders running here, by recording. */
  readonly #sessions = new Map<string, string>();
  readonly #finishing = new Map<string, Promise<void>>();
  /** The media-gap version last saved per recorder here. */
  readonly #savedGaps = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;
  #ticking: Promise<void> | null = null;
  /** Shutting down: recorders stopped by the shutdown leave their rows to be adopted after the restart. */
  #closing = false;

  constructor(deps: RecordingsWorkerDeps) {
    this.#deps = deps;
  }

  /** Starts the ticks (the worker role). */
  startTicking(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#tick().finally(() => {
        this.#ticking = null;
      });
    }, TICK_MS);
  }

  /** Stops the ticks; the recorders themselves are stopped by the pool (each stores its last segment). */
  async stopTicking(): Promise<void> {
    this.#closing = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
    await this.idle();
  }

  /** Finalizations still running here (tests and shutdown wait for them). */
  async idle(): Promise<void> {
    while (this.#finishing.size > 0) await Promise.allSettled([...this.#finishing.values()]);
  }

  async start(effect: EffectOf<'recording.start'>): Promise<unknown> {
    const { db, livekit, recorders, instanceId, isWorker } = this.#deps;
    // Left to a worker's poll: a deferral is not a failure.
    if (!isWorker) return { deferUntil: new Date() };
    const row = await readRecording(db, effect.recordingId);
    if (row?.status !== 'recording' || recorders.get(row.id)) return undefined;
    if (row.recorder_instance && row.recorder_instance !== instanceId) return undefined;
    const token = await mintRecorderToken(livekit, { sessionId: effect.sessionId, recordingId: row.id, ttlSec: 3600 });
    const recorder = await recorders.start({ recordingId: row.id, livekitUrl: livekit.serverUrl, token });
    this.#sessions.set(row.id, effect.sessionId);
    void recorder.ended.then((outcome) => this.#recorderEnded(effect.sessionId, outcome));
    await markRecorderStarted(db, row.id, instanceId, recorder.startedAt);
    return undefined;
  }

  async stop(effect: EffectOf<'recording.stop'>): Promise<unknown> {
    // Where another instance runs the recorder, its tick sees the row stopped.
    await this.#deps.recorders.stop(effect.recordingId);
    return undefined;
  }

  async deleteFiles(effect: EffectOf<'recording.files.delete'>): Promise<unknown> {
    await this.#deps.storage.deletePrefix(recordingKeys(effect.recordingId).prefix);
    return undefined;
  }

  async #tick(): Promise<void> {
    this.#ticks += 1;
    try {
      await this.#beat();
      if (this.#ticks % ORPHAN_EVERY_TICKS === 1) await this.#adoptOrphans();
      if (this.#deps.config.retentionDays > 0 && this.#ticks % RETENTION_EVERY_TICKS === 1) await this.pruneExpired();
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'recordings tick failed');
    }
  }

  /** Heartbeats for the recorders here; a recorder whose row is no longer 'recording' is stopped. */
  async #beat(): Promise<void> {
    const { db, recorders, instanceId } = this.#deps;
    const ids = recorders.ids().filter((id) => this.#sessions.has(id));
    const rows = await heartbeat(db, instanceId, ids);
    for (const row of rows) if (row.status !== 'recording') void recorders.stop(row.id);
    for (const id of ids) {
      const gaps = recorders.get(id)?.mediaGaps;
      if (!gaps || gaps.version === (this.#savedGaps.get(id) ?? 0)) continue;
      await saveMediaGaps(db, id, gaps.gaps);
      this.#savedGaps.set(id, gaps.version);
    }
  }

  async #adoptOrphans(): Promise<void> {
    const { db, instanceId, logger } = this.#deps;
    for (const row of await claimOrphans(db, instanceId, RECORDER_STALE_SEC, START_GRACE_SEC)) {
      if (this.#finishing.has(row.id) || this.#deps.recorders.get(row.id)) continue;
      logger.warn({ recordingId: row.id, sessionId: row.session_id, status: row.status }, 'recording lost its recorder: finalizing');
      this.#finalize(row.session_id, row.id, { interrupted: true, stopIfRecording: true, error: null });
    }
  }

  /** A recorder here ended (stopped, room gone, encoder failed): the recording is finalized. */
  #recorderEnded(sessionId: string, outcome: RecordingOutcome): void {
    this.#sessions.delete(outcome.recordingId);
    this.#savedGaps.delete(outcome.recordingId);
    const gaps = outcome.mediaGaps.length > 0 ? saveMediaGaps(this.#deps.db, outcome.recordingId, outcome.mediaGaps) : null;
    if (this.#closing) return void gaps?.catch(() => undefined);
    this.#finalize(sessionId, outcome.recordingId, { interrupted: false, stopIfRecording: true, error: outcome.error, gaps });
  }

  #finalize(sessionId: string, recordingId: string, how: FinalizeHow): void {
    const run = this.#runFinalize(sessionId, recordingId, how)
      .catch((error: unknown) => this.#deps.logger.error({ err: error, recordingId }, 'could not record a recording’s outcome'))
      .finally(() => this.#finishing.delete(recordingId));
    this.#finishing.set(recordingId, run);
  }

  async #runFinalize(sessionId: string, recordingId: string, how: FinalizeHow) {
    const { work, storage, config, logger } = this.#deps;
    // The recorder's last media gaps, before the recording is ready (its chat is placed by them).
    await how.gaps?.catch((error: unknown) => logger.warn({ err: error, recordingId }, 'could not save the media gaps'));
    // Ended by itself (room gone, encoder died, lost recorder): stopped first, so everyone hears of it.
    if (how.stopIfRecording) {
      await work.change(sessionId, { subjects: [], lean: true }, async (w) => {
        const stopped = await markStopped(w.trx, recordingId);
        if (stopped) recordingStoppedWithin(w, stopped);
      });
    }
    // What a killed recorder on this machine left in its scratch folder (none elsewhere: harmless).
    if (how.interrupted) await storeLeftoverSegments({ workDir: config.workDir, recordingId, storage, logger });
    try {
      const file = await finalizeRecording({
        storage,
        recordingId,
        ffmpegPath: config.ffmpegPath,
        ffprobePath: config.ffprobePath,
        workDir: join(config.workDir, 'finalize'),
      });
      await work.change(sessionId, { subjects: [], lean: true }, async (w) => {
        const ready = await markReady(w.trx, recordingId, {
          fileKey: file.key,
          durationSec: file.durationSec,
          sizeBytes: file.sizeBytes,
          interrupted: how.interrupted,
        });
        if (ready) recordingSavedWithin(w, ready);
      });
      this.#deps.metrics.recordingOutcomes.inc({ result: how.interrupted ? 'interrupted' : 'ready' });
      if (how.error) logger.warn({ recordingId, error: how.error }, 'the recorder ended with an error; what it stored is saved');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ err: error, recordingId }, 'recording failed');
      await work.change(sessionId, { subjects: [], lean: true }, async (w) => {
        await markFailed(w.trx, recordingId, { error: how.error ?? message, interrupted: how.interrupted });
      });
      this.#deps.metrics.recordingOutcomes.inc({ result: 'failed' });
    }
  }

  /** RECORDING_RETENTION_DAYS: recordings older than that are deleted, files first, then the row. */
  async pruneExpired(): Promise<number> {
    const { db, work, storage, config } = this.#deps;
    let deleted = 0;
    for (const row of await expiredRecordings(db, config.retentionDays, 100)) {
      await storage.deletePrefix(recordingKeys(row.id).prefix);
      await work.change(row.session_id, { subjects: [], lean: true }, (w) => deleteRecordingRow(w.trx, row.id));
      deleted += 1;
    }
    return deleted;
  }
}
