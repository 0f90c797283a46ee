import type { SessionRow } from '../db/schema.ts';
import { readSettings, type SessionSettings } from './settings.ts';

/** The public shape of a session (see SessionSchema). */
export type SessionView = {
  id: string;
  title: string;
  mode: SessionRow['mode'];
  visibility: SessionRow['visibility'];
  status: SessionRow['status'];
  host: { id: string; name: string };
  externalRef: string | null;
  tags: string[];
  coverUrl: string | null;
  maxDurationSec: number;
  viewerCount: number;
  peakViewers: number;
  startedAt: string;
  endsAt: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
  participants: string[];
  settings: SessionSettings;
  recording: { auto: boolean };
};

export function presentSession(row: SessionRow, participants: string[]): SessionView {
  const startedAt = new Date(row.started_at);
  return {
    id: row.id,
    title: row.title,
    mode: row.mode,
    visibility: row.visibility,
    status: row.status,
    host: { id: row.host_id, name: row.host_name },
    externalRef: row.external_ref,
    tags: row.tags,
    coverUrl: row.cover_url,
    maxDurationSec: row.max_duration_sec,
    viewerCount: row.viewer_count,
    peakViewers: row.peak_viewers,
    startedAt: startedAt.toISOString(),
    endsAt: new Date(startedAt.getTime() + row.max_duration_sec * 1000).toISOString(),
    endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
    endedBy: row.ended_by,
    endReason: row.end_reason,
    participants,
    settings: readSettings(row.settings),
    recording: { auto: row.recording_auto },
  };
}

/** Opaque keyset cursor over (started_at, id), newest first. */
export function encodeCursor(row: { started_at: Date | string; id: string }): string {
  return Buffer.from(JSON.stringify([new Date(row.started_at).toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: string; id: string } | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [startedAt, id] = value as [unknown, unknown];
    if (typeof startedAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(startedAt))) return null;
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    return { startedAt, id };
  } catch {
    return null;
  }
}
