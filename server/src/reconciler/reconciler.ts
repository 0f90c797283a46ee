import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { Database } from '../db/schema.ts';
import { pruneEffects } from '../effects/outbox.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import { syncWithList } from '../presence/sync.ts';
import type { Lease } from '../scheduling/lease.ts';
import { pruneDeliveries } from '../webhooks-out/deliveries.repository.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import type { LiveSession, RoomRecovery } from './room-recovery.ts';

export type ReconcilerDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  livekit: LivekitAdapter;
  recovery: RoomRecovery;
  /** Only the holder runs passes: one instance at a time. */
  lease: Lease;
  metrics: Metrics;
  logger: Logger;
  /** How often the holder checks that every live session still has its room (cheap: one ListRooms). */
  roomCheckMs: number;
  /** How often it reconciles participants, orphan rooms and old rows (a full pass). */
  syncMs: number;
  /** Finished effects are kept this long. */
  outboxRetentionSec: number;
  /** Finished webhook deliveries, with their attempt logs, are kept this long. */
  webhookRetentionSec: number;
};

/** A room younger than this with no session row may belong to a start still committing. */
const ORPHAN_MIN_AGE_SEC = 60;

/**
 * Keeps PostgreSQL and LiveKit in agreement, on one instance at a time (the lease holder): every
 * live session keeps its room (re-created after a LiveKit restart, see room-recovery.ts), open
 * connection rows match LiveKit's participant lists, rooms of ended sessions are deleted, and old
 * rows are pruned. Max durations are not here: each is a scheduled session.expire effect.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  #timer: NodeJS.Timeout | null = null;
  #lastFullAt = 0;
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
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#queued;
    await this.#running;
    await this.#deps.lease.release().catch(() => undefined);
  }

  /**
   * One full pass that starts after this call (if this instance holds the lease). A pass already
   * in flight may have read the database before the caller's change, so callers arriving
   * meanwhile share one follow-up pass instead of joining the stale one.
   */
  async runOnce(): Promise<void> {
    if (!this.#running) return this.#startPass(true);
    this.#queued ??= this.#running.then(() => {
      this.#queued = null;
      return this.#startPass(true);
    });
    return this.#queued;
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const full = Date.now() - this.#lastFullAt >= this.#deps.syncMs;
      void (this.#running ?? this.#startPass(full)).finally(() => this.#tick());
    }, this.#deps.roomCheckMs);
    this.#timer.unref();
  }

  #startPass(full: boolean): Promise<void> {
    const pass = this.#pass(full).finally(() => {
      if (this.#running === pass) this.#running = null;
    });
    this.#running = pass;
    return pass;
  }

  /** Each step runs even if an earlier one failed: one failure must not stop the rest. */
  async #pass(full: boolean): Promise<void> {
    const { db, lease, logger, metrics, outboxRetentionSec, webhookRetentionSec } = this.#deps;
    try {
      if (!(await lease.acquire())) return;
    } catch (error) {
      logger.error({ err: error }, 'could not take the reconciler lease; retrying');
      return;
    }
    metrics.reconcilerPasses.inc({ kind: full ? 'full' : 'rooms' });
    if (full) this.#lastFullAt = Date.now();
    const steps: [string, () => Promise<unknown>][] = [['check rooms and participants', () => this.#syncWithLivekit(full)]];
    if (full) {
      steps.push(
        [
          'forget old webhook ids',
          () => db.deleteFrom('livekit_webhook_deliveries').where('received_at', '<', sql<Date>`now() - interval '1 day'`).execute(),
        ],
        ['prune finished effects', () => pruneEffects(db, outboxRetentionSec, { exceptKinds: ['webhook.deliver'] })],
        ['prune webhook deliveries', () => pruneDeliveries(db, webhookRetentionSec)],
      );
    }
    for (const [name, step] of steps) {
      await step().catch((error) => logger.error({ err: error, step: name }, 'reconciler step failed; retrying at the next pass'));
    }
  }

  async #syncWithLivekit(full: boolean): Promise<void> {
    const { db, livekit, recovery, logger } = this.#deps;
    // Live sessions first, then the room list: a session's room is created before its row
    // commits, so every session read here already had its room when the list was taken.
    const live: LiveSession[] = await db
      .selectFrom('sessions')
      .select(['id', 'mode', 'interrupted_at'])
      .where('status', '=', 'live')
      .execute();
    let rooms: Awaited<ReturnType<LivekitAdapter['listRooms']>>;
    try {
      rooms = await livekit.listRooms();
    } catch (error) {
      logger.warn({ err: error }, 'LiveKit did not answer ListRooms; live sessions are interrupted until it does');
      for (const session of live) await this.#each(session.id, () => recovery.unconfirmed(session.id, 'livekit_unreachable'));
      return;
    }
    const names = new Set(rooms.map((room) => room.name));
    for (const session of live) {
      await this.#each(session.id, async () => {
        if (!names.has(session.id)) return recovery.recover(session);
        await recovery.confirmed(session);
        if (full) await this.#syncParticipants(session.id);
      });
    }
    if (full) await this.#deleteOrphanRooms(rooms, new Set(live.map((s) => s.id)));
  }

  /** Makes the open connection rows equal to LiveKit's participant list. */
  async #syncParticipants(sessionId: string): Promise<void> {
    const listedAt = Date.now();
    const participants = await this.#deps.livekit.listParticipants(sessionId);
    const corrections = await this.#deps.work.change(sessionId, { subjects: [] }, async (w) => {
      if (w.facts.row.status !== 'live') return 0;
      const n = await syncWithList(w, w.facts.row, participants, listedAt);
      if (n > 0) w.notify((b) => b.countersChanged(sessionId));
      return n;
    });
    if (corrections > 0) this.#deps.metrics.reconcilerCorrections.inc({ kind: 'participants' }, corrections);
  }

  /** Rooms of sessions that ended while LiveKit was unreachable, and of starts that were refused. */
  async #deleteOrphanRooms(rooms: { name: string; creationTime: bigint }[], live: Set<string>): Promise<void> {
    const { db, livekit, metrics } = this.#deps;
    // Rooms not named by a session id belong to someone else on a shared LiveKit: left alone.
    const candidates = rooms.filter((room) => !live.has(room.name) && isUuid(room.name));
    if (candidates.length === 0) return;
    const known = new Map(
      (
        await db
          .selectFrom('sessions')
          .select(['id', 'status'])
          .where(
            'id',
            'in',
            candidates.map((r) => r.name),
          )
          .execute()
      ).map((s) => [s.id, s.status]),
    );
    const nowSec = Date.now() / 1000;
    for (const room of candidates) {
      const status = known.get(room.name);
      const unclaimed = status === undefined && nowSec - Number(room.creationTime) > ORPHAN_MIN_AGE_SEC;
      if (status !== 'ended' && !unclaimed) continue;
      await livekit.deleteRoom(room.name);
      metrics.reconcilerCorrections.inc({ kind: 'orphan_room' });
    }
  }

  /** One session's failure must not leave the others unreconciled. */
  async #each(sessionId: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.#deps.logger.error({ err: error, sessionId }, 'could not reconcile session');
    }
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}
