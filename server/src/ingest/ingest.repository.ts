import { randomUUID } from 'node:crypto';
import type { IngestProtocol, IngestStatus, IngestStopReason } from '@golive/sdk/protocol';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database, IngestsTable } from '../db/schema.ts';
import type { WorkContext } from '../work/unit-of-work.ts';
import { ingestIdentity } from './ingest-participant.ts';
import { hashStreamKey, newStreamKey } from './stream-key.ts';

/**
 * The ingests table: one per session at most, the key only as its hash. Every write runs in a
 * unit of work on the session (the session row locked first, then the ingest row).
 */

export type IngestRow = Selectable<IngestsTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** What a valid stream key opens: the session its encoder publishes into, as its host. */
export type IngestTarget = { ingestId: string; keyId: string; sessionId: string; hostId: string; hostName: string };

export function presentIngest(row: IngestRow): IngestStatus {
  const video = row.video
    ? { width: row.video_width, height: row.video_height, fps: row.video_fps === null ? null : Math.round(row.video_fps * 10) / 10 }
    : null;
  return {
    sessionId: row.session_id,
    state: row.state,
    protocol: row.protocol,
    video,
    audio: row.audio,
    bitrateKbps: row.bitrate_kbps,
    stopReason: row.stop_reason as IngestStopReason | null,
    message: row.stop_message,
    updatedAt: new Date(row.state_at).toISOString(),
  };
}

/** The ingest a key opens while its session is live; null for a wrong, rotated-out or ended key. */
export async function findByKeyHash(db: Db, keyHash: string): Promise<IngestTarget | null> {
  const row = await db
    .selectFrom('ingests as i')
    .innerJoin('sessions as s', 's.id', 'i.session_id')
    .select(['i.id', 'i.key_id', 'i.session_id', 'i.host_id', 's.host_name'])
    .where('i.key_hash', '=', keyHash)
    .where('s.status', '=', 'live')
    .executeTakeFirst();
  if (!row?.key_id) return null;
  return { ingestId: row.id, keyId: row.key_id, sessionId: row.session_id, hostId: row.host_id, hostName: row.host_name };
}

export async function readIngest(db: Db, sessionId: string): Promise<IngestRow | null> {
  return (await db.selectFrom('ingests').selectAll().where('session_id', '=', sessionId).executeTakeFirst()) ?? null;
}

async function lockIngest(trx: Transaction<Database>, where: { sessionId: string } | { id: string }): Promise<IngestRow | null> {
  let query = trx.selectFrom('ingests').selectAll();
  query = 'id' in where ? query.where('id', '=', where.id) : query.where('session_id', '=', where.sessionId);
  return (await query.forUpdate().executeTakeFirst()) ?? null;
}

/** A new ingest with its first key; null when the session already has one. */
export async function insertIngest(
  trx: Transaction<Database>,
  input: { sessionId: string; hostId: string; createdBy: string },
): Promise<{ row: IngestRow; streamKey: string } | null> {
  const streamKey = newStreamKey();
  const row = await trx
    .insertInto('ingests')
    .values({
      id: randomUUID(),
      session_id: input.sessionId,
      host_id: input.hostId,
      key_hash: hashStreamKey(streamKey),
      key_id: randomUUID(),
      created_by: input.createdBy,
    })
    .onConflict((oc) => oc.column('session_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? { row, streamKey } : null;
}

/**
 * A new key: the old one opens nothing from this commit on. The ingest waits for an encoder with
 * the new key; a publish that began with the old one is removed by the caller's effect.
 */
export async function rotateKey(w: WorkContext, actor: string): Promise<{ row: IngestRow; streamKey: string; before: IngestRow } | null> {
  const before = await lockIngest(w.trx, { sessionId: w.facts.row.id });
  if (!before) return null;
  const streamKey = newStreamKey();
  const row = await w.trx
    .updateTable('ingests')
    .set({ key_hash: hashStreamKey(streamKey), key_id: randomUUID(), key_rotated_at: sql`now()`, ...waitingState() })
    .where('id', '=', before.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await w.trx.deleteFrom('whip_resources').where('ingest_id', '=', before.id).execute();
  stoppedEvent(w, before, 'key_rotated', actor);
  return { row, streamKey, before };
}

export async function deleteIngest(w: WorkContext, actor: string): Promise<IngestRow | null> {
  const before = await lockIngest(w.trx, { sessionId: w.facts.row.id });
  if (!before) return null;
  // Its WHIP resources go with it (on delete cascade).
  await w.trx.deleteFrom('ingests').where('id', '=', before.id).execute();
  stoppedEvent(w, before, 'ingest_deleted', actor);
  return before;
}

/** Inside the session's end: the key dies, and a running ingest is logged as stopped. */
export async function endIngestWithin(w: WorkContext, actor: string): Promise<void> {
  const before = await lockIngest(w.trx, { sessionId: w.facts.row.id });
  if (!before) return;
  await w.trx
    .updateTable('ingests')
    .set({
      key_hash: null,
      key_id: null,
      state: 'stopped',
      stop_reason: before.state === 'stopped' ? before.stop_reason : 'session_ended',
      bitrate_kbps: null,
      state_at: sql`now()`,
    })
    .where('id', '=', before.id)
    .execute();
  await w.trx.deleteFrom('whip_resources').where('ingest_id', '=', before.id).execute();
  stoppedEvent(w, before, 'session_ended', actor);
}

/** What an encoder's relay (RTMP) or LiveKit's webhooks (WHIP) say about an ingest. */
export type IngestObservation =
  | {
      kind: 'receiving';
      protocol: IngestProtocol;
      /** undefined: keep what is known (a WHIP audio track says nothing about the picture). */
      video?: IngestStatus['video'];
      audio?: boolean;
      bitrateKbps?: number | null;
      /** The LiveKit participant publishing (WHIP). */
      participantSid?: string;
    }
  | { kind: 'stopped'; protocol: IngestProtocol; reason: IngestStopReason; message: string | null; participantSid?: string };

/**
 * Applies an observation under the session lock, for the key generation it was made with:
 * 'stale' when that key no longer opens the ingest (rotated, deleted, ended), so the caller stops
 * what still runs on it. A transition is logged (live.ingest.started / stopped) and pushed as an
 * effect; fresh figures of a running ingest are pushed best effort.
 */
export async function observeIngest(
  w: WorkContext,
  target: { ingestId: string; keyId: string },
  seen: IngestObservation,
): Promise<'applied' | 'unchanged' | 'stale'> {
  const row = await lockIngest(w.trx, { id: target.ingestId });
  if (!row || row.key_id !== target.keyId) return 'stale';
  const receivingHere = row.state === 'receiving' && row.protocol === seen.protocol;
  if (seen.kind === 'stopped') {
    if (row.state === 'stopped') return 'unchanged';
    // Another encoder (the other protocol) is on: this one's end changes nothing.
    if (row.state === 'receiving' && row.protocol !== seen.protocol) return 'unchanged';
    // A late leave of an older WHIP connection.
    if (seen.participantSid && row.participant_sid && seen.participantSid !== row.participant_sid) return 'unchanged';
  }
  const set =
    seen.kind === 'receiving'
      ? {
          state: 'receiving' as const,
          protocol: seen.protocol,
          ...videoColumns(seen.video === undefined ? (receivingHere ? undefined : null) : seen.video),
          audio: seen.audio === undefined ? (receivingHere ? row.audio : null) : Boolean(seen.audio || (receivingHere && row.audio)),
          bitrate_kbps: seen.bitrateKbps === undefined ? (receivingHere ? row.bitrate_kbps : null) : seen.bitrateKbps,
          stop_reason: null,
          stop_message: null,
          participant_sid: seen.participantSid ?? (receivingHere ? row.participant_sid : null),
        }
      : {
          state: 'stopped' as const,
          protocol: seen.protocol,
          bitrate_kbps: null,
          stop_reason: seen.reason,
          stop_message: seen.message,
        };
  const updated = await w.trx
    .updateTable('ingests')
    .set({ ...set, state_at: sql`now()` })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const status = presentIngest(updated);
  if (seen.kind === 'receiving' && receivingHere) {
    // Fresh figures alone go best effort. A new track (WHIP's second) changes what the host is
    // told is received, so it is pushed as an effect, in order after the start's own push.
    if (sameMedia(row, updated)) w.notify((b) => b.ingestStatus(row.session_id, status));
    else w.effect({ kind: 'realtime.ingest', sessionId: row.session_id, ingest: status });
    return 'applied';
  }
  if (seen.kind === 'receiving') {
    w.event({
      sessionId: row.session_id,
      type: 'live.ingest.started',
      actorId: row.host_id,
      data: { ingestId: row.id, protocol: seen.protocol, video: status.video, audio: status.audio },
    });
  } else {
    stoppedEvent(w, row, seen.reason, row.host_id, seen.message);
  }
  w.effect({ kind: 'realtime.ingest', sessionId: row.session_id, ingest: status });
  return 'applied';
}

/** A running ingest's stop goes to the audit log (and the app's webhooks). */
function stoppedEvent(w: WorkContext, before: IngestRow, reason: IngestStopReason, actor: string, message?: string | null): void {
  if (before.state !== 'receiving') return;
  w.event({
    sessionId: before.session_id,
    type: 'live.ingest.stopped',
    actorId: actor,
    reason,
    data: { ingestId: before.id, protocol: before.protocol, ...(message ? { message } : {}) },
  });
}

function waitingState() {
  return {
    state: 'waiting' as const,
    protocol: null,
    video: null,
    video_width: null,
    video_height: null,
    video_fps: null,
    audio: null,
    bitrate_kbps: null,
    stop_reason: null,
    stop_message: null,
    participant_sid: null,
    state_at: sql<Date>`now()`,
  };
}

/** The same picture and sound; the figures (bitrate, frame rate) may differ. */
function sameMedia(a: IngestRow, b: IngestRow): boolean {
  return a.audio === b.audio && a.video === b.video && a.video_width === b.video_width && a.video_height === b.video_height;
}

/** undefined keeps the picture columns as they are. */
function videoColumns(video: IngestStatus['video'] | undefined) {
  if (video === undefined) return {};
  return { video: video !== null, video_width: video?.width ?? null, video_height: video?.height ?? null, video_fps: video?.fps ?? null };
}

/** The LiveKit identity an ingest publishes as. */
export function identityOf(row: Pick<IngestRow, 'host_id'>): string {
  return ingestIdentity(row.host_id);
}
