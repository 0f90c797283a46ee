import { randomUUID } from 'node:crypto';
import type { StageRequest } from '@golive/sdk/protocol';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal, type UserPrincipal } from '../auth/principal.ts';
import type { Database, StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { appendEvent } from '../events/events.repository.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { type ParticipantRole, participantState } from '../sessions/grants.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { presentRequest } from './stage.presenter.ts';
import { cancelPendingRequests, countGuests, setStageRole } from './stage-roles.ts';

export type StagePolicy = { requestTtlSec: number };

export type StageServiceDeps = {
  db: Kysely<Database>;
  sessions: SessionsService;
  livekit: LivekitAdapter;
  broadcaster: SessionBroadcaster;
  policy: StagePolicy;
  logger: Logger;
};

export type ParticipantView = { userId: string; name: string; role: ParticipantRole; connected: boolean };

/**
 * The stage: viewers ask (or are invited), the host or a co-host decides, and the decision is
 * pushed to the connected participant as new LiveKit grants, with no reconnect and no new token.
 */
export class StageService {
  readonly #deps: StageServiceDeps;

  constructor(deps: StageServiceDeps) {
    this.#deps = deps;
  }

  /** A viewer asks to come on stage; without requireApproval it is approved at once. */
  async request(principal: Principal, sessionId: string): Promise<StageRequest> {
    const user = requireUser(principal);
    const access = await this.#deps.sessions.requireWatcher(user, sessionId, { live: true });
    if (!access.settings.allowGuests) throw new Errors.guestsNotAllowed();
    // A hidden admin may ask too (approval makes them a visible guest); anyone else on stage may not.
    if (access.role !== 'viewer' && access.role !== 'observer') throw new Errors.alreadyOnStage(access.role);
    const autoApprove = !access.settings.requireApproval;
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      await lockSession(trx, sessionId);
      await this.#expireStale(trx, sessionId);
      if (autoApprove) await assertRoomOnStage(trx, sessionId, access.settings.maxGuests);
      const inserted = await trx
        .insertInto('stage_requests')
        .values({
          id: randomUUID(),
          session_id: sessionId,
          user_id: user.userId,
          user_name: user.name,
          kind: 'request',
          status: autoApprove ? 'approved' : 'pending',
          created_by: user.userId,
          expires_at: sql<Date>`now() + make_interval(secs => ${this.#deps.policy.requestTtlSec})`,
          decided_at: autoApprove ? sql<Date>`now()` : null,
          decided_by: autoApprove ? 'auto' : null,
        })
        .onConflict((oc) => oc.columns(['session_id', 'user_id']).where('status', '=', 'pending').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) throw new Errors.requestPending(user.userId);
      await appendEvent(trx, { sessionId, type: 'live.stage.requested', actorId: user.userId, targetId: user.userId });
      if (autoApprove) await this.#promote(trx, sessionId, user.userId, 'guest', 'auto', 'live.stage.request.approved');
      return inserted;
    });
    const request = presentRequest(row);
    this.#deps.broadcaster.stageRequest(request);
    if (autoApprove) await this.#pushRole(sessionId, user.userId, 'guest', access.settings.guestCanPublish);
    return request;
  }

  /** The requester withdraws their pending request. */
  async cancel(principal: Principal, sessionId: string): Promise<StageRequest> {
    const user = requireUser(principal);
    await this.#deps.sessions.requireWatcher(user, sessionId);
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('stage_requests')
        .set({ status: 'cancelled', decided_at: sql`now()`, decided_by: user.userId })
        .where('session_id', '=', sessionId)
        .where('user_id', '=', user.userId)
        .where('kind', '=', 'request')
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new Errors.requestNotFound('pending for you');
      await appendEvent(trx, { sessionId, type: 'live.stage.request.cancelled', actorId: user.userId, targetId: user.userId });
      return updated;
    });
    const request = presentRequest(row);
    this.#deps.broadcaster.stageRequest(request);
    return request;
  }

  /** The host or a co-host approves (the viewer becomes a guest) or rejects a request. */
  async decide(principal: Principal, sessionId: string, requestId: string, decision: 'approve' | 'reject'): Promise<StageRequest> {
    const access = await this.#deps.sessions.requireModerator(principal, sessionId);
    const actor = actorId(principal);
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      await lockSession(trx, sessionId);
      const pending = await this.#pending(trx, sessionId, requestId, 'request');
      if (decision === 'approve') await assertRoomOnStage(trx, sessionId, access.settings.maxGuests);
      const updated = await trx
        .updateTable('stage_requests')
        .set({ status: decision === 'approve' ? 'approved' : 'rejected', decided_at: sql`now()`, decided_by: actor })
        .where('id', '=', pending.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (decision === 'approve') await this.#promote(trx, sessionId, pending.user_id, 'guest', actor, 'live.stage.request.approved');
      else await appendEvent(trx, { sessionId, type: 'live.stage.request.rejected', actorId: actor, targetId: pending.user_id });
      return updated;
    });
    const request = presentRequest(row);
    if (decision === 'approve') await this.#pushRole(sessionId, row.user_id, 'guest', access.settings.guestCanPublish);
    this.#deps.broadcaster.stageRequest(request);
    return request;
  }

  /** The host or a co-host invites a viewer on stage; the viewer accepts or declines. */
  async invite(principal: Principal, sessionId: string, userId: string): Promise<StageRequest> {
    await this.#deps.sessions.requireModerator(principal, sessionId);
    const invitee = await this.#deps.sessions.accessOf(userId, sessionId);
    if (!invitee.role || invitee.ban) throw new Errors.sessionForbidden();
    if (invitee.role !== 'viewer') throw new Errors.alreadyOnStage(invitee.role);
    const actor = actorId(principal);
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      await lockSession(trx, sessionId);
      await this.#expireStale(trx, sessionId);
      const name = await trx
        .selectFrom('participant_connections')
        .select('name')
        .where('session_id', '=', sessionId)
        .where('identity', '=', userId)
        .where('name', 'is not', null)
        .orderBy('joined_at', 'desc')
        .executeTakeFirst();
      const inserted = await trx
        .insertInto('stage_requests')
        .values({
          id: randomUUID(),
          session_id: sessionId,
          user_id: userId,
          user_name: name?.name ?? userId,
          kind: 'invite',
          status: 'pending',
          created_by: actor,
          expires_at: sql<Date>`now() + make_interval(secs => ${this.#deps.policy.requestTtlSec})`,
          decided_at: null,
          decided_by: null,
        })
        .onConflict((oc) => oc.columns(['session_id', 'user_id']).where('status', '=', 'pending').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) throw new Errors.requestPending(userId);
      await appendEvent(trx, { sessionId, type: 'live.stage.invited', actorId: actor, targetId: userId });
      return inserted;
    });
    const request = presentRequest(row);
    this.#deps.broadcaster.stageRequest(request);
    return request;
  }

  async answerInvite(principal: Principal, sessionId: string, inviteId: string, answer: 'accept' | 'decline'): Promise<StageRequest> {
    const user = requireUser(principal);
    const access = await this.#deps.sessions.requireWatcher(user, sessionId, { live: true });
    const row = await this.#deps.db.transaction().execute(async (trx) => {
      await lockSession(trx, sessionId);
      const pending = await this.#pending(trx, sessionId, inviteId, 'invite');
      if (pending.user_id !== user.userId) throw new Errors.requestNotFound(inviteId);
      if (answer === 'accept') await assertRoomOnStage(trx, sessionId, access.settings.maxGuests);
      const updated = await trx
        .updateTable('stage_requests')
        .set({ status: answer === 'accept' ? 'accepted' : 'declined', decided_at: sql`now()`, decided_by: user.userId })
        .where('id', '=', pending.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (answer === 'accept') await this.#promote(trx, sessionId, user.userId, 'guest', user.userId, 'live.stage.invite.accepted');
      else await appendEvent(trx, { sessionId, type: 'live.stage.invite.declined', actorId: user.userId, targetId: user.userId });
      return updated;
    });
    if (answer === 'accept') await this.#pushRole(sessionId, user.userId, 'guest', access.settings.guestCanPublish);
    const request = presentRequest(row);
    this.#deps.broadcaster.stageRequest(request);
    return request;
  }

  /** A guest (or co-host) steps down to viewer: their tracks stop and their grants drop. */
  async stepDown(principal: Principal, sessionId: string): Promise<void> {
    const user = requireUser(principal);
    const access = await this.#deps.sessions.requireWatcher(user, sessionId, { live: true });
    if (access.role === 'host') throw new Errors.forbidden('the host cannot step down: end the session instead');
    if (access.role !== 'guest' && access.role !== 'cohost') throw new Errors.notOnStage(`you are not on stage (you are ${access.role})`);
    await this.#deps.db
      .transaction()
      .execute((trx) => this.#promote(trx, sessionId, user.userId, 'viewer', user.userId, 'live.stage.left'));
    await this.#pushRole(sessionId, user.userId, 'viewer', access.settings.guestCanPublish);
  }

  /**
   * Promote or demote a participant: guest and viewer by the host or a co-host, co-host only by
   * the host (or an admin). Nobody changes the host.
   */
  async setRole(principal: Principal, sessionId: string, userId: string, role: StageRole): Promise<ParticipantRole> {
    const access = await this.#deps.sessions.requireModerator(principal, sessionId);
    if (access.row.host_id === userId) throw new Errors.cannotTargetHost("the host's role cannot be changed");
    const target = await this.#deps.sessions.accessOf(userId, sessionId);
    if (!target.role || target.ban) throw new Errors.sessionForbidden();
    const touchesCohost = role === 'cohost' || target.role === 'cohost';
    if (touchesCohost && !access.isHost && !principal.isAdmin) throw new Errors.forbidden('only the host can promote or demote co-hosts');
    const actor = actorId(principal);
    await this.#deps.db.transaction().execute(async (trx) => {
      await lockSession(trx, sessionId);
      if (role === 'guest' && target.role !== 'guest') await assertRoomOnStage(trx, sessionId, access.settings.maxGuests);
      await cancelPendingRequests(trx, sessionId, userId, actor);
      await this.#promote(trx, sessionId, userId, role, actor, 'live.participant.role.changed');
    });
    await this.#pushRole(sessionId, userId, role, access.settings.guestCanPublish);
    return role;
  }

  /** Pending requests and invites: all of them for moderators, one's own for anyone else. */
  async listRequests(principal: Principal, sessionId: string): Promise<StageRequest[]> {
    const access = await this.#deps.sessions.requireWatcher(principal, sessionId);
    let query = this.#deps.db
      .selectFrom('stage_requests')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', sql<Date>`now()`)
      .orderBy('created_at', 'asc');
    if (!access.canModerate) query = query.where('user_id', '=', principal.userId ?? '');
    return (await query.execute()).map(presentRequest);
  }

  /** Everyone in the session with their role and whether they are connected; hidden admins only for admins. */
  async listParticipants(principal: Principal, sessionId: string): Promise<ParticipantView[]> {
    const access = await this.#deps.sessions.requireWatcher(principal, sessionId);
    const { db } = this.#deps;
    const [connected, roles] = await Promise.all([
      db
        .selectFrom('participant_connections')
        .select(['identity', 'role', sql<string | null>`max(name)`.as('name')])
        .where('session_id', '=', sessionId)
        .where('joined_at', 'is not', null)
        .where('left_at', 'is', null)
        .groupBy(['identity', 'role'])
        .execute(),
      db.selectFrom('session_roles').select(['user_id', 'role']).where('session_id', '=', sessionId).execute(),
    ]);
    const byUser = new Map<string, ParticipantView>();
    const host = access.row.host_id;
    byUser.set(host, { userId: host, name: access.row.host_name, role: 'host', connected: false });
    for (const r of roles) byUser.set(r.user_id, { userId: r.user_id, name: r.user_id, role: r.role, connected: false });
    for (const c of connected) {
      const role = (c.identity === host ? 'host' : c.role) as ParticipantRole;
      if (role === 'observer' && !principal.isAdmin) continue;
      byUser.set(c.identity, { userId: c.identity, name: c.name ?? c.identity, role, connected: true });
    }
    const order: Record<ParticipantRole, number> = { host: 0, cohost: 1, guest: 2, viewer: 3, observer: 4 };
    return [...byUser.values()].sort((a, b) => order[a.role] - order[b.role] || a.userId.localeCompare(b.userId));
  }

  async #promote(
    trx: Parameters<typeof setStageRole>[0],
    sessionId: string,
    userId: string,
    role: StageRole,
    actor: string,
    type: Parameters<typeof appendEvent>[1]['type'],
  ) {
    await setStageRole(trx, sessionId, userId, role, actor);
    await appendEvent(trx, { sessionId, type, actorId: actor, targetId: userId, data: { role } });
  }

  /** After commit: new grants on the live connection, and everyone told. */
  async #pushRole(
    sessionId: string,
    userId: string,
    role: ParticipantRole,
    guestCanPublish: Parameters<typeof participantState>[2],
  ): Promise<void> {
    try {
      await this.#deps.livekit.updateParticipant(sessionId, userId, participantState(role, sessionId, guestCanPublish));
    } catch (error) {
      this.#deps.logger.warn({ err: error, sessionId, userId, role }, 'could not update LiveKit grants; they apply on the next join');
    }
    this.#deps.broadcaster.participantRole(sessionId, userId, role);
    this.#deps.broadcaster.countersChanged(sessionId);
  }

  async #pending(trx: Parameters<typeof setStageRole>[0], sessionId: string, id: string, kind: 'request' | 'invite') {
    const row = await trx
      .selectFrom('stage_requests')
      .selectAll()
      .where('id', '=', id)
      .where('session_id', '=', sessionId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    if (!row) throw new Errors.requestNotFound(id);
    if (row.status !== 'pending') throw new Errors.requestNotPending(row.status);
    if (new Date(row.expires_at).getTime() <= Date.now()) throw new Errors.requestExpired(new Date(row.expires_at).toISOString());
    return row;
  }

  async #expireStale(trx: Parameters<typeof setStageRole>[0], sessionId: string): Promise<void> {
    await trx
      .updateTable('stage_requests')
      .set({ status: 'expired' })
      .where('session_id', '=', sessionId)
      .where('status', '=', 'pending')
      .where('expires_at', '<=', sql<Date>`now()`)
      .execute();
  }
}

async function lockSession(trx: Parameters<typeof setStageRole>[0], sessionId: string): Promise<void> {
  const row = await trx.selectFrom('sessions').select('status').where('id', '=', sessionId).forUpdate().executeTakeFirst();
  if (row?.status !== 'live') throw new Errors.sessionEnded(sessionId);
}

async function assertRoomOnStage(trx: Parameters<typeof setStageRole>[0], sessionId: string, maxGuests: number): Promise<void> {
  if ((await countGuests(trx, sessionId)) >= maxGuests) throw new Errors.stageFull(maxGuests);
}

function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new Errors.userRequired();
  return principal;
}
