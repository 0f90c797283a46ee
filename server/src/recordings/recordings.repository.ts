import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, RecordingStatus, RecordingsTable, RecordingVisibility } from '../db/schema.ts';
import type { MediaGap } from '../recording/media-gaps.ts';

/**
 * The recordings table. Writes that change what a session's participants see (start, stop,
 * visibility, delete, ready) run in a unit of work on the session (the session row locked first,
 * then the recording row); the recorder's heartbeat and a worker's claim of an orphan are
 * bookkeeping of the worker that runs it.
 */

export type RecordingRow = Selectable<RecordingsTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** A recording as the API answers it (listRecordings items). */
export type RecordingView = {
  id: string;
  sessionId: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationSec: number | null;
  sizeBytes: number | null;
  interrupted: boolean;
  error?: string;
  visibility: RecordingVisibility;
  auto: boolean;
};

export function presentRecording(row: RecordingRow): RecordingView {
  return {
    id: row.id,
    sessionId: row.session_id,
    status: row.status,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at).toISOString(),
    durationSec: row.duration_sec === null ? null : Math.round(row.duration_sec * 1000) / 1000,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    interrupted: row.interrupted,
    ...(row.error ? { error: row.error } : {}),
    visibility: row.visibility,
    auto: row.auto,
  };
}

export async function readRecording(db: Db, id: string): Promise<RecordingRow | null> {
  return (await db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The recording row locked, inside a unit of work that holds its session's row. */
export async function lockRecording(trx: Transaction<Database>, id: string): Promise<RecordingRow | null> {
  return (await trx.selectFrom('recordings').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()) ?? null;
}

export async function sessionRecordings(db: Db, sessionId: string): Promise<RecordingRow[]> {
  return db.selectFrom('recordings').selectAll().where('session_id', '=', sessionId).orderBy('started_at', 'desc').execute();
}

/** The session's recording in progress, if any. */
export async function activeRecording(db: Db, sessionId: string): Promise<RecordingRow | null> {
  return (
    (await db
      .selectFrom('recordings')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('status', '=', 'recording')
      .executeTakeFirst()) ?? null
  );
}

/** How many recordings are in progress across the deployment (the start's capacity check). */
export async function countInProgress(db: Db): Promise<number> {
  const row = await db
    .selectFrom('recordings')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'recording')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A new recording in progress; null when the session already has one (the partial unique index). */
export async function insertRecording(
  trx: Transaction<Database>,
  input: { id: string; sessionId: string; startedBy: string; auto: boolean },
): Promise<RecordingRow | null> {
  const row = await trx
    .insertInto('recordings')
    .values({ id: input.id, session_id: input.sessionId, started_by: input.startedBy, auto: input.auto })
    .onConflict((oc) => oc.column('session_id').where('status', '=', 'recording').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** Stops a recording in progress (its recorder's worker notices and finalizes); null if it was not recording. */
export async function markStopped(trx: Transaction<Database>, id: string): Promise<RecordingRow | null> {
  const row = await trx
    .updateTable('recordings')
    .set({ status: 'processing', ended_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'recording')
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** Stops every recording in progress of a session (the session ends); returns them. */
export async function stopSessionRecordings(trx: Transaction<Database>, sessionId: string): Promise<RecordingRow[]> {
  return trx
    .updateTable('recordings')
    .set({ status: 'processing', ended_at: sql`now()`, updated_at: sql`now()` })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'recording')
    .returningAll()
    .execute();
}

/** The recording is playable. */
export async function markReady(
  trx: Transaction<Database>,
  id: string,
  result: { fileKey: string; durationSec: number; sizeBytes: number; interrupted: boolean },
): Promise<RecordingRow | null> {
  const row = await trx
    .updateTable('recordings')
    .set({
      status: 'ready',
      file_key: result.fileKey,
      duration_sec: result.durationSec,
      size_bytes: result.sizeBytes,
      interrupted: sql<boolean>`interrupted or ${result.interrupted}`,
      ended_at: sql`coalesce(ended_at, now())`,
      error: null,
      recorder_instance: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['recording', 'processing'])
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export async function markFailed(
  trx: Transaction<Database>,
  id: string,
  failure: { error: string; interrupted: boolean },
): Promise<RecordingRow | null> {
  const row = await trx
    .updateTable('recordings')
    .set({
      status: 'failed',
      error: failure.error.slice(0, 500),
      interrupted: sql<boolean>`interrupted or ${failure.interrupted}`,
      ended_at: sql`coalesce(ended_at, now())`,
      recorder_instance: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['recording', 'processing'])
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** The recorder wrote its first frame: that instant is the recording's media time 0. */
export async function markRecorderStarted(db: Db, id: string, instance: string, mediaStartedAt: Date): Promise<void> {
  await db
    .updateTable('recordings')
    .set({ recorder_instance: instance, recorder_seen_at: sql`now()`, started_at: mediaStartedAt, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** The worker's heartbeat for the recorders it runs; answers the rows' statuses. */
export async function heartbeat(db: Db, instance: string, ids: string[]): Promise<{ id: string; status: RecordingStatus }[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('recordings')
    .set({ recorder_seen_at: sql`now()` })
    .where('id', 'in', ids)
    .where('recorder_instance', '=', instance)
    .returning(['id', 'status'])
    .execute();
}

/** Where the recorder's video is missing wall-clock time (recording/media-gaps.ts): kept with its heartbeat. */
export async function saveMediaGaps(db: Db, id: string, gaps: readonly MediaGap[]): Promise<void> {
  await db
    .updateTable('recordings')
    .set({ media_gaps: JSON.stringify(gaps) })
    .where('id', '=', id)
    .execute();
}

/**
 * Takes over unfinished recordings whose recorder is gone: rows still 'recording' or 'processing'
 * with no heartbeat for staleSec (or never one, asked for startGraceSec ago). The conditional update is
 * the claim, so two workers never finalize the same one.
 */
export async function claimOrphans(db: Db, instance: string, staleSec: number, startGraceSec: number): Promise<RecordingRow[]> {
  const stale = sql<Date>`now() - make_interval(secs => ${staleSec})`;
  // A start still being retried (LiveKit away, every worker full) is not an orphan yet.
  const neverStarted = sql<Date>`now() - make_interval(secs => ${startGraceSec})`;
  return db
    .updateTable('recordings')
    .set({ recorder_instance: instance, recorder_seen_at: sql`now()` })
    .where('status', 'in', ['recording', 'processing'])
    .where((eb) =>
      eb.or([eb('recorder_seen_at', '<', stale), eb.and([eb('recorder_seen_at', 'is', null), eb('created_at', '<', neverStarted)])]),
    )
    .returningAll()
    .execute();
}

export async function updateVisibility(trx: Transaction<Database>, id: string, visibility: RecordingVisibility): Promise<RecordingRow> {
  return trx
    .updateTable('recordings')
    .set({ visibility, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteRecordingRow(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.deleteFrom('recordings').where('id', '=', id).execute();
}

/** Recordings finished before the retention cut-off, oldest first. */
export async function expiredRecordings(db: Db, retentionDays: number, limit: number): Promise<{ id: string; session_id: string }[]> {
  return db
    .selectFrom('recordings')
    .select(['id', 'session_id'])
    .where('status', 'in', ['ready', 'failed'])
    .where('started_at', '<', sql<Date>`now() - make_interval(days => ${retentionDays})`)
    .orderBy('started_at')
    .limit(limit)
    .execute();
}
