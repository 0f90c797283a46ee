import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { SessionMode } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';
import { closeConnections } from '../presence/presence.ts';
import { roomRecordingFlagWithin } from '../recordings/recording-signals.ts';
import { activeRecording } from '../recordings/recordings.repository.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { UnitOfWork, WorkContext } from '../work/unit-of-work.ts';

export type LiveSession = { id: string; mode: SessionMode; interrupted_at: Date | string | null };

export type RoomRecoveryDeps = {
  work: UnitOfWork;
  livekit: LivekitAdapter;
  sessions: SessionsService;
  metrics: Metrics;
  logger: Logger;
  /** How long a session may go without a confirmed room before it ends as room_missing. */
  graceMs: number;
};

/**
 * Keeps live sessions live through a LiveKit restart, crash or lost node: a session whose room is
 * gone gets it back, with the same name and settings, as soon as LiveKit answers, and LiveKit's
 * client SDKs reconnect to it by themselves. Only when the room cannot be confirmed or re-created
 * for the whole grace period does the session end, as room_missing. The outage is in the audit
 * log as live.session.interrupted and live.session.resumed.
 */
export class RoomRecovery {
  readonly #deps: RoomRecoveryDeps;

  constructor(deps: RoomRecoveryDeps) {
    this.#deps = deps;
  }

  /** The room is there: an interruption, if one was recorded, is over. */
  async confirmed(session: LiveSession): Promise<void> {
    if (session.interrupted_at === null) return;
    await this.#deps.work.change(session.id, { subjects: [] }, async (w) => {
      if (w.facts.row.status !== 'live' || w.facts.row.interrupted_at === null) return;
      await this.#resume(w, false);
    });
  }

  /** The room is missing from LiveKit's list: re-create it. */
  async recover(session: LiveSession): Promise<void> {
    const { livekit, sessions, metrics, logger } = this.#deps;
    // Connections older than the new room were in the lost one.
    const before = new Date();
    try {
      await livekit.createRoom(session.id, sessions.roomOptions(session.id, session.mode));
    } catch (error) {
      logger.warn({ err: error, sessionId: session.id }, 'could not re-create the LiveKit room of a live session');
      await this.unconfirmed(session.id, 'room_missing');
      return;
    }
    await this.#deps.work.change(session.id, { subjects: [] }, async (w) => {
      // Ended while the room was being re-created: the new room must not outlive the session.
      if (w.facts.row.status !== 'live') {
        w.effect({ kind: 'livekit.room.delete', sessionId: session.id });
        return;
      }
      if (w.facts.row.interrupted_at === null) await this.#event(w, 'live.session.interrupted', { cause: 'room_missing' });
      await closeConnections(w.trx, session.id, before);
      // The new room has a new session's metadata; the consent flag says again whether a
      // recording is on (a start or stop committed after this change is applied after it).
      roomRecordingFlagWithin(w, (await activeRecording(w.trx, session.id)) !== null);
      await this.#resume(w, true);
      w.notify((b) => b.countersChanged(session.id));
    });
    metrics.reconcilerCorrections.inc({ kind: 'room_recreated' });
    logger.warn({ sessionId: session.id }, 'LiveKit room was gone; re-created it, clients reconnect to it');
  }

  /**
   * The room could not be confirmed (LiveKit unreachable, or it would not re-create the room):
   * the interruption starts now, and past the grace period the session ends as room_missing.
   */
  async unconfirmed(sessionId: string, cause: 'room_missing' | 'livekit_unreachable'): Promise<void> {
    const ended = await this.#deps.work.change(sessionId, { subjects: [] }, async (w) => {
      const { row } = w.facts;
      if (row.status !== 'live') return null;
      if (row.interrupted_at === null) {
        await w.trx.updateTable('sessions').set({ interrupted_at: sql`now()` }).where('id', '=', sessionId).execute();
        await this.#event(w, 'live.session.interrupted', { cause });
        return null;
      }
      if (Date.now() - new Date(row.interrupted_at).getTime() < this.#deps.graceMs) return null;
      return this.#deps.sessions.endWithin(w, { actor: 'system', reason: 'room_missing' });
    });
    if (ended) {
      this.#deps.metrics.reconcilerCorrections.inc({ kind: 'room_missing' });
      this.#deps.logger.warn({ sessionId }, 'LiveKit room could not be re-created within the grace period; session ended');
    }
  }

  async #resume(w: WorkContext, roomRecreated: boolean): Promise<void> {
    const { row } = w.facts;
    const since = row.interrupted_at ? new Date(row.interrupted_at) : new Date();
    await w.trx.updateTable('sessions').set({ interrupted_at: null }).where('id', '=', row.id).execute();
    await this.#event(w, 'live.session.resumed', { roomRecreated, interruptedSec: (Date.now() - since.getTime()) / 1000 });
  }

  async #event(w: WorkContext, type: 'live.session.interrupted' | 'live.session.resumed', data: Record<string, unknown>): Promise<void> {
    w.event({ sessionId: w.facts.row.id, type, actorId: 'system', data });
  }
}
