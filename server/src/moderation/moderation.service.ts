import { type Kysely, sql } from 'kysely';
import { TrackSource } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { appendEvent } from '../events/events.repository.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import type { SessionAccess, SessionsService } from '../sessions/sessions.service.ts';
import { cancelPendingRequests, setStageRole } from '../stage/stage-roles.ts';
import { activeBans, findActiveBan } from './bans.repository.ts';

export type MuteKind = 'audio' | 'video' | 'screen';

export type BanView = { userId: string; reason: string | null; bannedBy: string; createdAt: string; expiresAt: string | null };

export type ModerationServiceDeps = {
  db: Kysely<Database>;
  sessions: SessionsService;
  livekit: LivekitAdapter;
  broadcaster: SessionBroadcaster;
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
 * as its participant_joined webhook arrives (enforceOnJoin). It also asks LiveKit to revoke the
 * user's older tokens (RemoveParticipant revokeTokenTs): servers that implement it refuse them at
 * connect; livekit-server 1.13.5 ignores it, so there the webhook path is what holds.
 */
export class ModerationService {
  readonly #deps: ModerationServiceDeps;

  constructor(deps: ModerationServiceDeps) {
    this.#deps = deps;
  }

  /** Mutes a published track on LiveKit; unmuting is left to the participant, as LiveKit requires. */
  async mute(principal: Principal, sessionId: string, userId: string, kind: MuteKind): Promise<{ mutedTracks: number }> {
    await this.#authorize(principal, sessionId, userId);
    const participant = await this.#deps.livekit.getParticipant(sessionId, userId);
    if (!participant) throw new Errors.participantNotConnected(userId);
    const tracks = participant.tracks.filter((t) => SOURCES[kind].includes(t.source));
    if (tracks.length === 0) throw new Errors.trackNotFound(userId, kind);
    for (const track of tracks) await this.#deps.livekit.mutePublishedTrack(sessionId, userId, track.sid);
    await this.#event(sessionId, 'live.participant.muted', principal, userId, null, { kind, tracks: tracks.map((t) => t.sid) });
    return { mutedTracks: tracks.length };
  }

  /** Removes the participant from the room; they may join again, as a viewer (off the stage). */
  async kick(principal: Principal, sessionId: string, userId: string, reason: string | null): Promise<void> {
    await this.#authorize(principal, sessionId, userId);
    const target = await this.#deps.sessions.accessOf(userId, sessionId);
    const removed = await this.#deps.livekit.removeParticipant(sessionId, userId);
    if (!removed) throw new Errors.participantNotConnected(userId);
    const actor = actorId(principal);
    const wasOnStage = target.role === 'guest' || target.role === 'cohost';
    await this.#deps.db.transaction().execute(async (trx) => {
      if (wasOnStage) await setStageRole(trx, sessionId, userId, 'viewer', actor);
      await cancelPendingRequests(trx, sessionId, userId, actor);
      await appendEvent(trx, {
        sessionId,
        type: 'live.participant.kicked',
        actorId: actor,
        targetId: userId,
        reason,
        data: { wasOnStage },
      });
    });
    this.#deps.broadcaster.removed(sessionId, userId, 'kicked', reason);
    if (wasOnStage) this.#deps.broadcaster.participantRole(sessionId, userId, 'viewer');
  }

  /** Bans from this session (optionally for a while): removed at once and kept out. */
  async ban(
    principal: Principal,
    sessionId: string,
    userId: string,
    options: { reason: string | null; durationSec: number | null },
  ): Promise<BanView> {
    const access = await this.#authorize(principal, sessionId, userId);
    const actor = actorId(principal);
    const bannedAt = new Date();
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      const ban = await trx
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
      // Off the stage and out of any pending request; an unbanned user comes back as a viewer.
      await setStageRole(trx, sessionId, userId, 'viewer', actor);
      await cancelPendingRequests(trx, sessionId, userId, actor);
      await appendEvent(trx, {
        sessionId,
        type: 'live.participant.banned',
        actorId: actor,
        targetId: userId,
        reason: options.reason,
        data: { durationSec: options.durationSec },
      });
      return ban;
    });
    // Where LiveKit supports it, tokens minted before this moment stop working too.
    await this.#deps.livekit.removeParticipant(sessionId, userId, { revokeTokensIssuedBefore: bannedAt });
    this.#deps.broadcaster.removed(sessionId, userId, 'banned', options.reason);
    this.#deps.broadcaster.countersChanged(access.row.id);
    return presentBan(row);
  }

  async unban(principal: Principal, sessionId: string, userId: string): Promise<void> {
    await this.#deps.sessions.requireModerator(principal, sessionId);
    await this.#deps.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('session_bans')
        .where('session_id', '=', sessionId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new Errors.banNotFound(userId);
      await appendEvent(trx, { sessionId, type: 'live.participant.unbanned', actorId: actorId(principal), targetId: userId });
    });
  }

  async listBans(principal: Principal, sessionId: string): Promise<BanView[]> {
    await this.#deps.sessions.requireModerator(principal, sessionId);
    const rows = await activeBans(this.#deps.db).selectAll().where('session_id', '=', sessionId).orderBy('created_at', 'desc').execute();
    return rows.map(presentBan);
  }

  /**
   * Called for every participant_joined webhook: a banned identity that got into the room (an old
   * or refreshed token, or one minted elsewhere) is removed again at once.
   */
  async enforceOnJoin(sessionId: string, identity: string): Promise<boolean> {
    if (!(await findActiveBan(this.#deps.db, sessionId, identity))) return false;
    await this.#deps.livekit.removeParticipant(sessionId, identity);
    this.#deps.logger.warn({ sessionId, identity }, 'banned participant connected to LiveKit; removed');
    return true;
  }

  /**
   * Moderators act on others, never on the host; co-hosts do not act on each other (only the
   * host and admins do).
   */
  async #authorize(principal: Principal, sessionId: string, userId: string): Promise<SessionAccess> {
    const access = await this.#deps.sessions.requireModerator(principal, sessionId);
    if (access.row.status !== 'live') throw new Errors.sessionEnded(sessionId);
    if (access.row.host_id === userId)
      throw new Errors.cannotTargetHost('the host cannot be muted, kicked or banned; an admin can end the session');
    if (principal.userId === userId) throw new Errors.validationFailed('you cannot moderate yourself');
    if (access.isCohost) {
      const target = await this.#deps.sessions.accessOf(userId, sessionId);
      if (target.role === 'cohost') throw new Errors.forbidden('only the host can moderate a co-host');
    }
    return access;
  }

  async #event(
    sessionId: string,
    type: 'live.participant.muted',
    principal: Principal,
    userId: string,
    reason: string | null,
    data: Record<string, unknown>,
  ) {
    await this.#deps.db
      .transaction()
      .execute((trx) => appendEvent(trx, { sessionId, type, actorId: actorId(principal), targetId: userId, reason, data }));
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
