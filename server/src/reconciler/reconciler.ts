import { type Kysely, sql } from 'kysely';
import type { ParticipantInfo } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { Database } from '../db/schema.ts';
import { appendEvent } from '../events/events.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { DeadlineScheduler, SessionsService } from '../sessions/sessions.service.ts';
import { countPresentViewers, recomputeCounts } from '../webhooks/participant-counts.ts';

export type ReconcilerDeps = {
  db: Kysely<Database>;
  livekit: LivekitAdapter;
  sessions: SessionsService;
  /** Corrected counts reach realtime subscribers like webhook-driven ones. */
  broadcaster: Pick<SessionBroadcaster, 'countersChanged'>;
  metrics: Metrics;
  logger: Logger;
  intervalMs: number;
};

/** A session younger than this may still be creating its room; it is not judged missing. */
const ROOM_GRACE_MS = 10_000;
/** Clock slack between LiveKit's join times and ours. */
const STALE_MARGIN_MS = 2_000;
/**
 * A deadline timer fires at the millisecond; started_at has microseconds. Firing just after the
 * deadline spares a pass that would find the session not yet overdue.
 */
const DEADLINE_SLACK_MS = 5;

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
  /** The pass that starts once the running one is done, shared by everyone who asked meanwhile. */
  #queued: Promise<void> | null = null;
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
    await this.#queued;
    await this.#running;
  }

  noteDeadline(at: Date): void {
    this.#schedule(at.getTime() + DEADLINE_SLACK_MS);
  }

  /**
   * One full pass that starts after this call. A pass already in flight may have read the
   * database before the caller's change (or before a deadline passed), so callers arriving
   * meanwhile share one follow-up pass instead of joining the stale one.
   */
  async runOnce(): Promise<void> {
    if (this.#running) {
      this.#queued ??= this.#running.then(() => {
        this.#queued = null;
        return this.#startPass();
      });
      await this.#queued;
    } else {
      await this.#startPass();
    }
    if (!this.#stopped) await this.#scheduleNext();
  }

  #startPass(): Promise<void> {
    const pass = this.#pass().finally(() => {
      if (this.#running === pass) this.#running = null;
    });
    this.#running = pass;
    return pass;
  }

  /** Each step runs even if an earlier one failed: an unreachable LiveKit must not stop max-duration ends. */
  async #pass(): Promise<void> {
    const { db, logger } = this.#deps;
    const steps: [string, () => Promise<unknown>][] = [
      ['end overdue sessions', () => this.#endOverdue()],
      ['sync with LiveKit', () => this.#syncWithLivekit()],
      [
        'forget old webhook ids',
        () => db.deleteFrom('livekit_webhook_deliveries').where('received_at', '<', sql<Date>`now() - interval '1 day'`).execute(),
      ],
    ];
    for (const [name, step] of steps) {
      await step().catch((error) => logger.error({ err: error, step: name }, 'reconciler step failed; retrying at the next pass'));
    }
  }

  async #endOverdue(): Promise<void> {
    const overdue = await this.#deps.db
      .selectFrom('sessions')
      .select('id')
      .where('status', '=', 'live')
      .where(sql<boolean>`started_at + make_interval(secs => max_duration_sec) <= now()`)
      .execute();
    for (const { id } of overdue) {
      try {
        const ended = await this.#deps.sessions.end(id, { actor: 'system', reason: 'max_duration' });
        if (ended) {
          this.#deps.metrics.reconcilerCorrections.inc({ kind: 'max_duration' });
          this.#deps.logger.info({ sessionId: id }, 'session reached its max duration');
        }
      } catch (error) {
        // One session's failure must not keep the others running past their deadline.
        this.#deps.logger.error({ err: error, sessionId: id }, 'could not end an overdue session; retrying at the next pass');
      }
    }
  }

  async #syncWithLivekit(): Promise<void> {
    const { db, livekit, metrics, logger } = this.#deps;
    // Judged against when the room list was taken, not when the loop reaches a session: a
    // session started just after the listing is not missing, however long the loop takes.
    const roomsListedAt = Date.now();
    const rooms = new Set((await livekit.listRooms()).map((room) => room.name));
    const live = await db.selectFrom('sessions').select(['id', 'started_at']).where('status', '=', 'live').execute();
    for (const session of live) {
      try {
        if (!rooms.has(session.id)) {
          if (new Date(session.started_at).getTime() > roomsListedAt - ROOM_GRACE_MS) continue;
          const ended = await this.#deps.sessions.end(session.id, { actor: 'system', reason: 'room_missing' });
          if (ended) {
            metrics.reconcilerCorrections.inc({ kind: 'room_missing' });
            logger.warn({ sessionId: session.id }, 'LiveKit room is gone; session ended');
          }
          continue;
        }
        const listedAt = Date.now();
        await this.#syncParticipants(session.id, await livekit.listParticipants(session.id), listedAt);
      } catch (error) {
        // One session's failure must not leave the others unreconciled.
        logger.error({ err: error, sessionId: session.id }, 'could not reconcile session');
      }
    }
    // Rooms of sessions that ended while LiveKit was unreachable.
    const liveIds = new Set(live.map((s) => s.id));
    // Rooms not named by a session id belong to someone else on a shared LiveKit: left alone.
    const orphaned = [...rooms].filter((name) => !liveIds.has(name) && isUuid(name));
    if (orphaned.length > 0) {
      const ended = await db.selectFrom('sessions').select('id').where('id', 'in', orphaned).where('status', '=', 'ended').execute();
      for (const { id } of ended) {
        await livekit.deleteRoom(id);
        metrics.reconcilerCorrections.inc({ kind: 'orphan_room' });
      }
    }
  }

  /**
   * Makes the open connection rows equal to LiveKit's participant list, then re-derives the
   * counts from the rows, which also repairs counts that disagree with rows they came from.
   */
  async #syncParticipants(sessionId: string, participants: ParticipantInfo[], listedAt: number): Promise<void> {
    const { db, metrics } = this.#deps;
    const corrected = await db.transaction().execute(async (trx) => {
      // Same row lock as webhook ingestion: the two never interleave on one session.
      const session = await trx
        .selectFrom('sessions')
        .select(['status', 'viewer_count', 'peak_viewers'])
        .where('id', '=', sessionId)
        .forUpdate()
        .executeTakeFirst();
      if (session?.status !== 'live') return false;
      const open = await trx
        .selectFrom('participant_connections')
        .select(['participant_sid', 'identity', 'joined_at'])
        .where('session_id', '=', sessionId)
        .where('joined_at', 'is not', null)
        .where('left_at', 'is', null)
        .execute();
      const openSids = new Set(open.map((r) => r.participant_sid));
      const actualSids = new Set(participants.map((p) => p.sid));
      // A connection that joined after the list was taken is not stale, just newer than the list.
      const stale = open.filter(
        (r) => !actualSids.has(r.participant_sid) && new Date(r.joined_at ?? 0).getTime() < listedAt - STALE_MARGIN_MS,
      );
      const missing = participants.filter((p) => !openSids.has(p.sid));
      if (stale.length > 0) {
        await trx
          .updateTable('participant_connections')
          .set({ left_at: sql`now()` })
          .where('session_id', '=', sessionId)
          .where(
            'participant_sid',
            'in',
            stale.map((r) => r.participant_sid),
          )
          .execute();
        for (const r of stale) {
          await appendEvent(trx, {
            sessionId,
            type: 'live.participant.left',
            actorId: 'system',
            targetId: r.identity,
            reason: 'reconciled',
            data: { participantSid: r.participant_sid },
          });
        }
      }
      let inserted = 0;
      for (const p of missing) {
        const role = p.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown';
        const joinedAt = new Date(Number(p.joinedAtMs ?? 0n) || Number(p.joinedAt ?? 0n) * 1000 || Date.now());
        const row = await trx
          .insertInto('participant_connections')
          .values({
            session_id: sessionId,
            participant_sid: p.sid,
            identity: p.identity,
            name: p.name || null,
            role,
            counted: isCountedViewer(role, p.permission?.hidden ?? false),
            joined_at: joinedAt,
            left_at: null,
          })
          // A row that exists with left_at set was a real leave: LiveKit lists it only briefly.
          .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doNothing())
          .returning('participant_sid')
          .executeTakeFirst();
        if (!row) continue;
        inserted++;
        await appendEvent(trx, {
          sessionId,
          type: 'live.participant.joined',
          actorId: 'system',
          targetId: p.identity,
          reason: 'reconciled',
          data: { role, participantSid: p.sid, at: joinedAt.toISOString() },
        });
      }
      if (stale.length + inserted > 0) {
        // The edges written here may be later than any webhook's, so a webhook must not take
        // itself for the latest edge and merely raise the peak.
        const latest = Math.max(listedAt, ...missing.map((p) => Number(p.joinedAtMs ?? 0n)));
        await trx
          .updateTable('sessions')
          .set({ last_webhook_at: sql`greatest(last_webhook_at, now(), ${new Date(latest)})` })
          .where('id', '=', sessionId)
          .execute();
      }
      // Counts are re-derived only on drift: the sweep uses each row's current role, so a viewer
      // since promoted to the stage would drop out of a peak they were part of.
      const present = await countPresentViewers(trx, sessionId);
      const countsDrifted = present !== session.viewer_count || session.peak_viewers < session.viewer_count;
      const corrections = stale.length + inserted + (countsDrifted ? 1 : 0);
      if (corrections === 0) return false;
      await recomputeCounts(trx, sessionId, 'rederive');
      metrics.reconcilerCorrections.inc({ kind: 'participants' }, corrections);
      return true;
    });
    if (corrected) this.#deps.broadcaster.countersChanged(sessionId);
  }

  async #scheduleNext(): Promise<void> {
    const next = await this.#deps.db
      .selectFrom('sessions')
      .select(sql<Date>`min(started_at + make_interval(secs => max_duration_sec))`.as('deadline'))
      .where('status', '=', 'live')
      .executeTakeFirst()
      .catch(() => undefined);
    const interval = Date.now() + this.#deps.intervalMs;
    const deadline = next?.deadline ? new Date(next.deadline).getTime() + DEADLINE_SLACK_MS : interval;
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
