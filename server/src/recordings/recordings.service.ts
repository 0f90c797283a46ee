import { randomUUID } from 'node:crypto';
import type { RecordingState } from '@golive/sdk/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ObjectStorage, SignedUrl } from '../adapters/storage.ts';
import { actorId, type Principal } from '../auth/principal.ts';
import type { RecordingConfig } from '../config/storage-config.ts';
import type { Database, RecordingVisibility } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize, decide } from '../policy/policy.ts';
import type { SessionFacts } from '../work/session-facts.ts';
import type { UnitOfWork, WorkContext } from '../work/unit-of-work.ts';
import { recordingStartedWithin, recordingState, recordingStoppedWithin } from './recording-signals.ts';
import {
  activeRecording,
  countInProgress,
  deleteRecordingRow,
  insertRecording,
  lockRecording,
  markStopped,
  presentRecording,
  type RecordingRow,
  type RecordingView,
  readRecording,
  sessionRecordings,
  updateVisibility,
} from './recordings.repository.ts';
import { type RecordingChat, recordingChat } from './replay-chat.ts';
import { listReplays, type ReplayItem, type ReplaysQuery } from './replays.queries.ts';

export type RecordingsServiceDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  storage: ObjectStorage;
  config: RecordingConfig;
  logger: Logger;
};

/**
 * Recordings of a session through the API: start and stop (units of work on the session, whose
 * effects run the recorder on a worker), the list, playback URLs, visibility and deletion. Who may
 * play a recording is the policy's `recording.play`.
 */
export class RecordingsService {
  readonly #deps: RecordingsServiceDeps;

  constructor(deps: RecordingsServiceDeps) {
    this.#deps = deps;
  }

  async start(principal: Principal, sessionId: string): Promise<RecordingView> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'recording.start' }, w.facts);
      return presentRecording(await this.startWithin(w, { startedBy: actorId(principal), auto: false }));
    });
  }

  /**
   * Inside a caller's unit of work on a live session (the API's start, the first published track
   * of a session with recording.auto): the row, the event and the effects that run the recorder.
   */
  async startWithin(w: WorkContext, input: { startedBy: string; auto: boolean }): Promise<RecordingRow> {
    const sessionId = w.facts.row.id;
    const running = await activeRecording(w.trx, sessionId);
    if (running) throw new Errors.recordingInProgress(sessionId, running.id);
    // The cap counts the deployment's recordings in progress (one worker: exactly its cap).
    const { maxConcurrent } = this.#deps.config;
    if (maxConcurrent === 0 || (await countInProgress(w.trx)) >= maxConcurrent) throw new Errors.recorderCapacity(maxConcurrent);
    const row = await insertRecording(w.trx, { id: randomUUID(), sessionId, ...input });
    // Another start won the race for the partial unique index.
    if (!row) throw new Errors.recordingInProgress(sessionId, 'another');
    recordingStartedWithin(w, row);
    w.effect({ kind: 'recording.start', sessionId, recordingId: row.id });
    return row;
  }

  /**
   * Inside the webhook group that saw a track published in a session with recording.auto: the
   * first published track starts the recording, once (a stop by the host is not undone by the next
   * publish). A refusal (capacity) is logged, not thrown: the webhook itself was applied.
   */
  async autoStartWithin(w: WorkContext): Promise<void> {
    if ((await sessionRecordings(w.trx, w.facts.row.id)).length > 0) return;
    // startWithin refuses in JavaScript before any statement could fail, so the transaction stays usable.
    try {
      await this.startWithin(w, { startedBy: 'system', auto: true });
    } catch (error) {
      this.#deps.logger.warn({ err: error, sessionId: w.facts.row.id }, 'could not start the automatic recording');
    }
  }

  async stop(principal: Principal, sessionId: string, recordingId: string): Promise<RecordingView> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'recording.manage' }, w.facts);
      const row = await lockRecording(w.trx, recordingId);
      if (!row || row.session_id !== sessionId) throw new Errors.recordingNotFound(recordingId);
      const stopped = await markStopped(w.trx, recordingId);
      if (!stopped) throw new Errors.recordingNotRecording(recordingId, row.status);
      recordingStoppedWithin(w, stopped);
      return presentRecording(stopped);
    });
  }

  /** The recording in progress for the subscribe answer (consent); null when none. */
  async inProgress(sessionId: string): Promise<RecordingState | null> {
    const row = await activeRecording(this.#deps.db, sessionId);
    return row ? recordingState(row) : null;
  }

  /** The host and admins see every recording; others those they may play. */
  async list(principal: Principal, sessionId: string): Promise<RecordingView[]> {
    const facts = await this.#deps.work.read(sessionId, { subjects: [principal.userId] });
    authorize(principal, { action: 'session.view' }, facts);
    const rows = await sessionRecordings(this.#deps.db, sessionId);
    const manages = decide(principal, { action: 'recording.manage' }, facts) === null;
    return rows.filter((r) => manages || (r.status === 'ready' && mayPlay(principal, r, facts))).map(presentRecording);
  }

  async playback(principal: Principal, recordingId: string): Promise<SignedUrl> {
    const row = await this.playable(principal, recordingId);
    if (row.status !== 'ready' || !row.file_key) throw new Errors.recordingNotReady(recordingId, row.status);
    return this.#deps.storage.presign(row.file_key, this.#deps.config.playbackUrlTtlSec);
  }

  /** The recording, if the caller may play it back (playback, chat replay). */
  async playable(principal: Principal, recordingId: string): Promise<RecordingRow> {
    const row = await readRecording(this.#deps.db, recordingId);
    if (!row) throw new Errors.recordingNotFound(recordingId);
    const facts = await this.#deps.work.read(row.session_id, { subjects: [principal.userId] });
    authorize(principal, { action: 'recording.play', visibility: row.visibility }, facts);
    return row;
  }

  async chat(principal: Principal, recordingId: string): Promise<RecordingChat> {
    return recordingChat(this.#deps.db, await this.playable(principal, recordingId));
  }

  async update(principal: Principal, recordingId: string, patch: { visibility: RecordingVisibility }): Promise<RecordingView> {
    return this.#manage(principal, recordingId, async (w, row) =>
      presentRecording(await updateVisibility(w.trx, row.id, patch.visibility)),
    );
  }

  /** Deletes the row now and the files right after commit (an effect, retried until storage confirms). */
  async remove(principal: Principal, recordingId: string): Promise<void> {
    await this.#manage(principal, recordingId, async (w, row) => {
      if (row.status === 'recording' || row.status === 'processing') throw new Errors.recordingBusy(row.id, row.status);
      await deleteRecordingRow(w.trx, row.id);
      w.effect({ kind: 'recording.files.delete', sessionId: row.session_id, recordingId: row.id });
    });
  }

  async replays(principal: Principal, query: ReplaysQuery): Promise<ReplayItem[]> {
    return listReplays(this.#deps.db, principal, query);
  }

  async #manage<T>(principal: Principal, recordingId: string, body: (w: WorkContext, row: RecordingRow) => Promise<T>): Promise<T> {
    const found = await readRecording(this.#deps.db, recordingId);
    if (!found) throw new Errors.recordingNotFound(recordingId);
    return this.#deps.work.change(found.session_id, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'recording.manage' }, w.facts);
      const row = await lockRecording(w.trx, recordingId);
      if (!row) throw new Errors.recordingNotFound(recordingId);
      return body(w, row);
    });
  }
}

function mayPlay(principal: Principal, row: RecordingRow, facts: SessionFacts): boolean {
  return decide(principal, { action: 'recording.play', visibility: row.visibility }, facts) === null;
}
