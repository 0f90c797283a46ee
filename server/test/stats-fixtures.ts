// Session timelines for the analytics tests: generated at random (seeded), and written into the
// ledger tables the way presence writes them (final labels on the connection rows, one
// participant_role_changes row per re-labelled open connection).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import type { TimelineConnection, TimelineRoleChange } from './stats-truth.ts';

export type Timeline = { connections: TimelineConnection[]; changes: TimelineRoleChange[] };

/**
 * A session of `durationMs` from `startMs`: a host throughout, a hidden admin for a while, viewers
 * who come and go (some with two tabs open at once, some still there at the end), two of them
 * brought on stage and later back, one of those reconnecting while on stage (so joining as a guest).
 */
export function generateSession(random: () => number, startMs: number, durationMs: number, viewers = 12): Timeline {
  const at = (from: number, span: number) => Math.floor(from + random() * span);
  const endMs = startMs + durationMs;
  const connections: TimelineConnection[] = [
    { identity: 'host', role: 'host', joinedMs: at(startMs, 1_000), leftMs: null },
    { identity: 'admin', role: 'observer', hidden: true, joinedMs: at(startMs, durationMs / 2), leftMs: null },
  ];
  const admin = connections[1];
  if (admin) admin.leftMs = at(admin.joinedMs + 1, durationMs / 3);
  for (let v = 0; v < viewers; v++) {
    let from = startMs + 1_000;
    const visits = 1 + Math.floor(random() * 3);
    for (let i = 0; i < visits && from < endMs - 2_000; i++) {
      const joinedMs = at(from, (endMs - from) / 2);
      const stays = i === visits - 1 && random() < 0.3;
      const leftMs = stays ? null : at(joinedMs + 1, Math.max(2, (endMs - joinedMs) / 2));
      connections.push({ identity: `viewer-${v}`, role: 'viewer', joinedMs, leftMs });
      if (random() < 0.2) {
        // A second tab, overlapping the first.
        connections.push({
          identity: `viewer-${v}`,
          role: 'viewer',
          joinedMs: at(joinedMs + 1, 5_000),
          leftMs: at(joinedMs + 6_000, 20_000),
        });
      }
      from = (leftMs ?? endMs) + 500;
    }
  }
  // Two viewers on stage for a while, at times when they are connected.
  const changes: TimelineRoleChange[] = [];
  for (const identity of ['viewer-0', 'viewer-1']) {
    const open = connections.find((c) => c.identity === identity && (c.leftMs ?? endMs) - c.joinedMs > 4_000);
    if (!open) continue;
    const on = at(open.joinedMs + 1, ((open.leftMs ?? endMs) - open.joinedMs) / 2);
    const off = at(on + 1, ((open.leftMs ?? endMs) - on) / 2 + 5_000);
    changes.push({ identity, atMs: on, role: 'guest' }, { identity, atMs: off, role: 'viewer' });
    // Reconnecting while on stage: the new connection joins as a guest.
    if (identity === 'viewer-1' && off - on > 2) {
      const joinedMs = at(on + 1, (off - on) / 2);
      connections.push({ identity, role: 'guest', joinedMs, leftMs: at(off + 1, 3_000) });
    }
  }
  return { connections, changes };
}

/** Inserts a session row; `endMs` null keeps it live. */
export async function insertSession(db: Kysely<Database>, startMs: number, endMs: number | null, hostId = 'host'): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('sessions')
    .values({
      id,
      host_id: `${hostId}-${id.slice(0, 8)}`,
      host_name: 'Host',
      title: 'Stats fixture',
      mode: 'broadcast',
      visibility: 'public',
      external_ref: null,
      tags: [],
      cover_url: null,
      max_duration_sec: 86_400,
      status: endMs === null ? 'live' : 'ended',
      last_webhook_at: null,
      started_at: new Date(startMs),
      ended_at: endMs === null ? null : new Date(endMs),
      ended_by: endMs === null ? null : 'host',
      end_reason: endMs === null ? null : 'ended_by_host',
      settings: '{}',
      pinned_message_id: null,
    })
    .execute();
  return id;
}

/**
 * Writes the timeline's connections as presence would have left them: an ended session closed
 * what was still open at its end; every role change re-labelled the user's open connections.
 */
export async function writeTimeline(db: Kysely<Database>, sessionId: string, timeline: Timeline, endMs: number | null): Promise<void> {
  const changes = [...timeline.changes].sort((a, b) => a.atMs - b.atMs);
  for (const c of timeline.connections) {
    const sid = `PA_${randomUUID().slice(0, 12)}`;
    const leftMs = c.leftMs ?? endMs;
    let role = c.role;
    let counted = c.role === 'viewer' && !c.hidden;
    const relabels = [];
    for (const change of changes) {
      if (c.role === 'observer' || change.identity !== c.identity) continue;
      if (change.atMs <= c.joinedMs || (leftMs !== null && change.atMs >= leftMs)) continue;
      const next = { role: change.role, counted: change.role === 'viewer' };
      if (next.role !== role || next.counted !== counted) {
        relabels.push({ session_id: sessionId, participant_sid: sid, ...next, at: new Date(change.atMs) });
      }
      ({ role, counted } = next);
    }
    await db
      .insertInto('participant_connections')
      .values({
        session_id: sessionId,
        participant_sid: sid,
        identity: c.identity,
        role,
        counted,
        joined_role: c.role,
        joined_counted: c.role === 'viewer' && !c.hidden,
        joined_at: new Date(c.joinedMs),
        left_at: leftMs === null ? null : new Date(leftMs),
      })
      .execute();
    if (relabels.length > 0) await db.insertInto('participant_role_changes').values(relabels).execute();
  }
}
