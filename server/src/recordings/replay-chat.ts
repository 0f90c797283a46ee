import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { mediaOffset, readMediaGaps } from '../recording/media-gaps.ts';
import type { RecordingRow } from './recordings.repository.ts';

export type ReplayMessage = {
  id: string;
  seq: number;
  offsetMs: number;
  user: { id: string; name: string; role: string };
  text: string;
  deletedOffsetMs?: number;
};
export type ReplayPin = { messageId: string; pinnedOffsetMs: number; unpinnedOffsetMs?: number };
export type RecordingChat = { recordingId: string; startedAt: string; messages: ReplayMessage[]; pins: ReplayPin[] };

/**
 * The session's chat as it was during a recording, for a replay beside the video: each message's
 * time as an offset from the recording's time 0, deletions with theirs (a replay shows a message
 * until the moment it was deleted), and the pin history. Pins are read from the audit log, where
 * every pin, unpin and deletion is written in its own unit of work with the time it committed
 * (deleting the pinned message clears the pin in the same change). Times are wall-clock; where the
 * recorder skipped frames (ffmpeg fell behind), the video is shorter, and each offset is moved back
 * by the gaps before it so that it matches the picture.
 */
export async function recordingChat(db: Kysely<Database>, row: RecordingRow): Promise<RecordingChat> {
  const start = new Date(row.started_at).getTime();
  const end = row.ended_at ? new Date(row.ended_at) : new Date();
  const gaps = readMediaGaps(row.media_gaps);
  const offset = (at: Date | string | number) => mediaOffset(new Date(at).getTime() - start, gaps);
  const messages = await db
    .selectFrom('chat_messages')
    .select(['id', 'seq', 'user_id', 'user_name', 'user_role', 'text', 'created_at', 'deleted_at'])
    .where('session_id', '=', row.session_id)
    .where('created_at', '<=', end)
    .orderBy('seq')
    .execute();
  const events = await db
    .selectFrom('session_events')
    .select(['type', 'data', 'created_at'])
    .where('session_id', '=', row.session_id)
    .where('type', 'in', ['live.chat.message.pinned', 'live.chat.message.deleted'])
    .where('created_at', '<=', end)
    .orderBy('sequence')
    .execute();
  return {
    recordingId: row.id,
    startedAt: new Date(start).toISOString(),
    messages: messages.map((m) => ({
      id: m.id,
      seq: Number(m.seq),
      offsetMs: offset(m.created_at),
      user: { id: m.user_id, name: m.user_name, role: m.user_role },
      text: m.text,
      ...(m.deleted_at && m.deleted_at <= end ? { deletedOffsetMs: offset(m.deleted_at) } : {}),
    })),
    pins: pinHistory(events, start, end.getTime(), offset),
  };
}

type PinEvent = { type: string; data: Record<string, unknown>; created_at: Date | string };

/** Pin intervals from the log, keeping those that overlap the recording [start, end]. */
export function pinHistory(
  events: readonly PinEvent[],
  start: number,
  end: number,
  offset: (at: number) => number = (at) => Math.round(at - start),
): ReplayPin[] {
  const intervals: { messageId: string; from: number; to: number | null }[] = [];
  let current: { messageId: string; from: number; to: number | null } | null = null;
  for (const event of events) {
    const at = new Date(event.created_at).getTime();
    const messageId = typeof event.data.messageId === 'string' ? event.data.messageId : null;
    if (event.type === 'live.chat.message.deleted') {
      if (current && current.messageId === messageId) {
        current.to = at;
        current = null;
      }
      continue;
    }
    if (current) current.to = at;
    current = messageId ? { messageId, from: at, to: null } : null;
    if (current) intervals.push(current);
  }
  return intervals
    .filter((p) => p.from <= end && (p.to === null || p.to > start))
    .map((p) => ({
      messageId: p.messageId,
      pinnedOffsetMs: offset(p.from),
      ...(p.to !== null && p.to <= end ? { unpinnedOffsetMs: offset(p.to) } : {}),
    }));
}
