import { type Kysely, sql } from 'kysely';
import type { ParticipantInfo } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { Database } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { DeadlineScheduler, SessionsService } from '../sessions/sessions.service.ts';
import { recomputeCounts } from '../webhooks/participant-counts.ts';

export type ReconcilerDeps = {
  db: Kysely<Database>;
  livekit: LivekitAdapter;
  sessions: SessionsService;
  metrics: Metrics;
  logger: Logger;
  intervalMs: number;
};

/** A session younger than this may still be creating its room; it is not judged missing. */
const ROOM_GRACE_MS = 10_000;
/** Clock slack between LiveKit's join times and ours. */
const STALE_MARGIN_MS = 2_000;

/**
 * Keeps PostgreSQL and LiveKit in agreement: ends sessions past their max duration or whose room
 * is gone, corrects viewer-count drift from missed webhooks, and deletes rooms of ended sessions.
 * Runs at start-up, every interval, and at the next session deadline. All state is in the
 * database, so this holds across restarts; every step is idempotent, so several instances may
 * run it at once.
 */
export class Reconciler implements DeadlineScheduler {
  readonly #deps: ReconcilerDeps;
  #timer: NodeJS.Timeout | null = null;
  #nextRunAt = 0;
  #running: Promise<void> | null = null;
  #stopped = true;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.runOnce();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  noteDeadline(at: Date): void {
    this.#schedule(at.getTime());
  }

  /** One full pass; concurrent calls share the pass in flight. */
  async runOnce(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#pass()
      .catch((error) => this.#deps.logger.error({ err: error }, 'reconciler pass failed; retrying at the next interval'))
      .finally(() => {
        this.#running = null;
      });
    await this.#running;
    if (!this.#stopped) await this.#scheduleNext();
  }

  async #pass(): Promise<void> {
    await this.#endOverdue();
    await this.#syncWithLivekit();
    await this.#deps.db.deleteFrom('livekit_webhook_deliveries').where('received_at', '<', sql<Date>`now() - interval '1 day'`).execute();
  }

  async #endOverdue(): Promise<void> {
    const overdue = await this.#deps.db
      .selectFrom('sessions')
      .select('id')
      .where('status', '=', 'live')
      .where(sql<boolean>`started_at + make_interval(secs => max_duration_sec) <= now()`)
      .execute();
    for (const { id } of overdue) {
      const ended = await this.#deps.sessions.end(id, { actor: 'system', reason: 'max_duration' });
      if (ended) {
        this.#deps.metrics.reconcilerCorrections.inc({ kind: 'max_duration' });
        this.#deps.logger.info({ sessionId: id }, 'session reached its max duration');
      }
    }
  }

  async #syncWithLivekit(): Promise<void> {
    const { db, livekit, metrics, logger } = this.#deps;
    const rooms = new Map((await livekit.listRooms()).map((room) => [room.name, room]));
    const live = await db.selectFrom('sessions').select(['id', 'started_at']).where('status', '=', 'live').execute();
    for (const session of live) {
      if (!rooms.has(session.id)) {
        if (Date.now() - new Date(session.started_at).getTime() < ROOM_GRACE_MS) continue;
        const ended = await this.#deps.sessions.end(session.id, { actor: 'system', reason: 'room_missing' });
        if (ended) {
          metrics.reconcilerCorrections.inc({ kind: 'room_missing' });
          logger.warn({ sessionId: session.id }, 'LiveKit room is gone; session ended');
        }
        continue;
      }
      const listedAt = Date.now();
      await this.#syncParticipants(session.id, await livekit.listParticipants(session.id), listedAt);
    }
    // Rooms of sessions that ended while LiveKit was unreachable.
    const liveIds = new Set(live.map((s) => s.id));
    const orphaned = [...rooms.keys()].filter((name) => !liveIds.has(name));
    if (orphaned.length > 0) {
      const ended = await db
        .selectFrom('sessions')
        .select('id')
        .where('id', 'in', orphaned.filter(isUuid))
        .where('status', '=', 'ended')
        .execute();
      for (const { id } of ended) {
        await livekit.deleteRoom(id);
        metrics.reconcilerCorrections.inc({ kind: 'orphan_room' });
      }
    }
  }

  /** Makes the open connection rows equal to LiveKit's participant list. */
  async #syncParticipants(sessionId: string, participants: ParticipantInfo[], listedAt: number): Promise<void> {
    const { db, metrics } = this.#deps;
    await db.transaction().execute(async (trx) => {
      const session = await trx.selectFrom('sessions').select('status').where('id', '=', sessionId).forUpdate().executeTakeFirst();
      if (session?.status !== 'live') return;
      const open = await trx
        .selectFrom('participant_connections')
        .select(['participant_sid', 'joined_at'])
        .where('session_id', '=', sessionId)
        .where('joined_at', 'is not', null)
        .where('left_at', 'is', null)
        .execute();
      const openSids = new Set(open.map((r) => r.participant_sid));
      const actualSids = new Set(participants.map((p) => p.sid));
      // A connection that joined after the list was taken is not stale, just newer than the list.
      const stale = open
        .filter((r) => !actualSids.has(r.participant_sid) && new Date(r.joined_at ?? 0).getTime() < listedAt - STALE_MARGIN_MS)
        .map((r) => r.participant_sid);
      const missing = participants.filter((p) => !openSids.has(p.sid));
      if (stale.length === 0 && missing.length === 0) return;
      if (stale.length > 0) {
        await trx
          .updateTable('participant_connections')
          .set({ left_at: sql`now()` })
          .where('session_id', '=', sessionId)
          .where('participant_sid', 'in', stale)
          .execute();
      }
      for (const p of missing) {
        const role = p.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown';
        const joinedAt = new Date(Number(p.joinedAtMs ?? 0n) || Number(p.joinedAt ?? 0n) * 1000 || Date.now());
        await trx
          .insertInto('participant_connections')
          .values({
            session_id: sessionId,
            participant_sid: p.sid,
            identity: p.identity,
            role,
            counted: isCountedViewer(role, p.permission?.hidden ?? false),
            joined_at: joinedAt,
            left_at: null,
          })
          // A row that exists with left_at set was a real leave: LiveKit lists it only briefly.
          .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doNothing())
          .execute();
      }
      await recomputeCounts(trx, sessionId, true);
      metrics.reconcilerCorrections.inc({ kind: 'participants' }, stale.length + missing.length);
    });
  }

  async #scheduleNext(): Promise<void> {
    const next = await this.#deps.db
      .selectFrom('sessions')
      .select(sql<Date>`min(started_at + make_interval(secs => max_duration_sec))`.as('deadline'))
      .where('status', '=', 'live')
      .executeTakeFirst()
      .catch(() => undefined);
    const interval = Date.now() + this.#deps.intervalMs;
    const deadline = next?.deadline ? new Date(next.deadline).getTime() : interval;
    this.#nextRunAt = 0;
    this.#schedule(Math.min(interval, deadline));
  }

  #schedule(at: number): void {
    if (this.#stopped) return;
    if (this.#nextRunAt !== 0 && this.#nextRunAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#nextRunAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#nextRunAt = 0;
        void this.runOnce();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref();
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}
