import { type Kysely, sql } from 'kysely';
import { TrackSource } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize, targetStanding } from '../policy/policy.ts';
import { applyStageRole, cancelPendingRequests } from '../stage/stage-roles.ts';
import { subjectOf } from '../work/session-facts.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { activeBans } from './bans.repository.ts';

export type MuteKind = 'audio' | 'video' | 'screen';

export type BanView = { userId: string; reason: string | null; bannedBy: string; createdAt: string; expiresAt: string | null };

export type ModerationServiceDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  /** Read-only here (which tracks to mute, is someone connected): commands go through effects. */
  livekit: LivekitAdapter;
  logger: Logger;
};

const SOURCES: Record<MuteKind, TrackSource[]> = {
  audio: [TrackSource.MICROPHONE],
  video: [TrackSource.CAMERA],
  screen: [TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO],
};

/**
 * Mute, kick and ban. LiveKit has no ban, and a removed participant can reconnect with its old
 * or refreshed token, so golive holds a ban itself: it refuses to mint the user a token or
 * subscribe them to realtime, and removes any connection that still gets into the room as soon
 * as its participant_joined webhook arrives (webhooks.service.ts). It also sends RemoveParticipant
 * with revokeTokenTs, which no livekit-server release reads (1.13.5 and 1.13.11 ignore it).
 * LiveKit commands are effects: recorded with the change, carried out after commit and retried
 * until LiveKit answers, so a LiveKit outage never loses a removal.
 */
export class ModerationService {
  readonly #deps: ModerationServiceDeps;

  constructor(deps: ModerationServiceDeps) {
    this.#deps = deps;
  }

  /** Mutes a published track on LiveKit; unmuting is left to the participant, as LiveKit requires. */
  async mute(principal: Principal, sessionId: string, userId: string, kind: MuteKind): Promise<{ mutedTracks: number }> {
    const action = { action: 'participant.mute', target: userId } as const;
    // Authorized before asking LiveKit which tracks there are, and again under the lock below.
    authorize(principal, action, await this.#deps.work.read(sessionId, { subjects: [principal.userId, userId] }));
    // Which tracks to mute is LiveKit's to say: when it does not answer, that is a 503, not a fault here.
    const participant = await this.#deps.livekit.getParticipant(sessionId, userId).catch((error: unknown) => {
      throw new Errors.livekitUnavailable(error instanceof Error ? error.message : String(error));
    });
    if (!participant) throw new Errors.participantNotConnected(userId);
    const tracks = participant.tracks.filter((t) => SOURCES[kind].includes(t.source)).map((t) => t.sid);
    if (tracks.length === 0) throw new Errors.trackNotFound(userId, kind);
    await this.#deps.work.change(sessionId, { subjects: [principal.userId, userId] }, async (w) => {
      authorize(principal, action, w.facts);
      w.event({
        sessionId,
        type: 'live.participant.muted',
        actorId: actorId(principal),
        targetId: userId,
        data: { kind, tracks },
      });
      for (const trackSid of tracks) w.effect({ kind: 'livekit.track.mute', sessionId, identity: userId, trackSid });
    });
    return { mutedTracks: tracks.length };
  }

  /** Removes the participant from the room; they may join again, as a viewer (off the stage). */
  async kick(principal: Principal, sessionId: string, userId: string, reason: string | null): Promise<void> {
    const action = { action: 'participant.kick', target: userId } as const;
    const seen = await this.#deps.work.read(sessionId, { subjects: [principal.userId, userId] });
    authorize(principal, action, seen);
    // The ledger may not have the join yet (its webhook is in flight); LiveKit itself is asked then.
    const connected = subjectOf(seen, userId).connected || (await this.#connectedOnLivekit(sessionId, userId));
    const actor = actorId(principal);
    await this.#deps.work.change(sessionId, { subjects: [principal.userId, userId] }, async (w) => {
      authorize(principal, action, w.facts);
      if (!connected && !subjectOf(w.facts, userId).connected) throw new Errors.participantNotConnected(userId);
      const target = targetStanding(userId, w.facts);
      const wasOnStage = target.role === 'guest' || target.role === 'cohost';
      if (wasOnStage) await applyStageRole(w, userId, 'viewer', actor, 'live.participant.role.changed');
      await cancelPendingRequests(w.trx, sessionId, userId, actor);
      w.event({
        sessionId,
        type: 'live.participant.kicked',
        actorId: actor,
        targetId: userId,
        reason,
        data: { wasOnStage },
      });
      w.effect(
        { kind: 'livekit.participant.remove', sessionId, identity: userId },
        { kind: 'realtime.removed', sessionId, userId, reason: 'kicked', message: reason },
      );
    });
  }

  /** Bans from this session (optionally for a while): removed at once and kept out. */
  async ban(
    principal: Principal,
    sessionId: string,
    userId: string,
    options: { reason: string | null; durationSec: number | null },
  ): Promise<BanView> {
    const actor = actorId(principal);
    return this.#deps.work.change(sessionId, { subjects: [principal.userId, userId] }, async (w) => {
      authorize(principal, { action: 'participant.ban', target: userId }, w.facts);
      const ban = await w.trx
        .insertInto('session_bans')
        .values({
          session_id: sessionId,
          user_id: userId,
          reason: options.reason,
          banned_by: actor,
          expires_at: options.durationSec ? sql<Date>`now() + make_interval(secs => ${options.durationSec})` : null,
        })
        .onConflict((oc) =>
          oc.columns(['session_id', 'user_id']).doUpdateSet((eb) => ({
            reason: eb.ref('excluded.reason'),
            banned_by: eb.ref('excluded.banned_by'),
            created_at: sql`now()`,
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      w.changedJoinFacts();
      // Off the stage and out of any pending request; an unbanned user comes back as a viewer.
      await applyStageRole(w, userId, 'viewer', actor, 'live.participant.role.changed');
      await cancelPendingRequests(w.trx, sessionId, userId, actor);
      w.event({
        sessionId,
        type: 'live.participant.banned',
        actorId: actor,
        targetId: userId,
        reason: options.reason,
        data: { durationSec: options.durationSec },
      });
      w.effect(
        { kind: 'livekit.participant.remove', sessionId, identity: userId, revokeBefore: new Date().toISOString() },
        { kind: 'realtime.removed', sessionId, userId, reason: 'banned', message: options.reason },
      );
      return presentBan(ban);
    });
  }

  async unban(principal: Principal, sessionId: string, userId: string): Promise<void> {
    await this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'participant.unban' }, w.facts);
      const deleted = await w.trx
        .deleteFrom('session_bans')
        .where('session_id', '=', sessionId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new Errors.banNotFound(userId);
      w.changedJoinFacts();
      w.event({ sessionId, type: 'live.participant.unbanned', actorId: actorId(principal), targetId: userId });
    });
  }

  async listBans(principal: Principal, sessionId: string): Promise<BanView[]> {
    authorize(principal, { action: 'bans.list' }, await this.#deps.work.read(sessionId, { subjects: [principal.userId] }));
    const rows = await activeBans(this.#deps.db).selectAll().where('session_id', '=', sessionId).orderBy('created_at', 'desc').execute();
    return rows.map(presentBan);
  }

  async #connectedOnLivekit(sessionId: string, userId: string): Promise<boolean> {
    try {
      return (await this.#deps.livekit.getParticipant(sessionId, userId)) !== null;
    } catch (error) {
      this.#deps.logger.warn({ err: error, sessionId }, 'LiveKit did not answer; going by the presence ledger');
      return false;
    }
  }
}

function presentBan(row: {
  user_id: string;
  reason: string | null;
  banned_by: string;
  created_at: Date | string;
  expires_at: Date | string | null;
}): BanView {
  return {
    userId: row.user_id,
    reason: row.reason,
    bannedBy: row.banned_by,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
  };
}
