import { randomUUID } from 'node:crypto';
import type { StageRequest } from '@golive/sdk/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import { actorId, type Principal } from '../auth/principal.ts';
import type { Database, StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { hostOfIngestIdentity } from '../ingest/ingest-participant.ts';
import { authorize, requireUser, targetStanding } from '../policy/policy.ts';
import { lastKnownName, openConnections } from '../presence/presence.ts';
import type { ParticipantRole } from '../sessions/grants.ts';
import type { SessionFacts } from '../work/session-facts.ts';
import type { UnitOfWork, WorkContext } from '../work/unit-of-work.ts';
import { presentRequest } from './stage.presenter.ts';
import { applyStageRole, cancelPendingRequests } from './stage-roles.ts';

export type StagePolicy = { requestTtlSec: number };

export type StageServiceDeps = { db: Kysely<Database>; work: UnitOfWork; policy: StagePolicy };

export type ParticipantView = { userId: string; name: string; role: ParticipantRole; connected: boolean };

type RequestRow = Parameters<typeof presentRequest>[0];

/**
 * The stage: viewers ask (or are invited), the host or a co-host decides, and the decision is
 * pushed to the connected participant as new LiveKit grants, with no reconnect and no new token.
 * Every decision is authorized against facts read under the session row lock.
 */
export class StageService {
  readonly #deps: StageServiceDeps;

  constructor(deps: StageServiceDeps) {
    this.#deps = deps;
  }

  /** A viewer asks to come on stage; without requireApproval it is approved at once. */
  async request(principal: Principal, sessionId: string): Promise<StageRequest> {
    const user = requireUser(principal);
    return this.#deps.work.change(sessionId, { subjects: [user.userId] }, async (w) => {
      authorize(user, { action: 'stage.request' }, w.facts);
      const autoApprove = !w.facts.settings.requireApproval;
      await expireStale(w.trx, sessionId);
      if (autoApprove) assertRoomOnStage(w.facts);
      const row = await this.#insert(w, {
        userId: user.userId,
        userName: user.name,
        kind: 'request',
        createdBy: user.userId,
        approved: autoApprove,
      });
      w.event({ sessionId, type: 'live.stage.requested', actorId: user.userId, targetId: user.userId });
      const request = this.#push(w, row);
      if (autoApprove) await applyStageRole(w, user.userId, 'guest', 'auto', 'live.stage.request.approved');
      return request;
    });
  }

  /** The requester withdraws their pending request. */
  async cancel(principal: Principal, sessionId: string): Promise<StageRequest> {
    const user = requireUser(principal);
    return this.#deps.work.change(sessionId, { subjects: [user.userId] }, async (w) => {
      authorize(user, { action: 'stage.cancel' }, w.facts);
      const updated = await w.trx
        .updateTable('stage_requests')
        .set({ status: 'cancelled', decided_at: sql`now()`, decided_by: user.userId })
        .where('session_id', '=', sessionId)
        .where('user_id', '=', user.userId)
        .where('kind', '=', 'request')
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new Errors.requestNotFound('pending for you');
      w.event({ sessionId, type: 'live.stage.request.cancelled', actorId: user.userId, targetId: user.userId });
      return this.#push(w, updated);
    });
  }

  /** The host or a co-host approves (the viewer becomes a guest) or rejects a request. */
  async decide(principal: Principal, sessionId: string, requestId: string, decision: 'approve' | 'reject'): Promise<StageRequest> {
    const actor = actorId(principal);
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'stage.decide' }, w.facts);
      const pending = await findPending(w.trx, sessionId, requestId, 'request');
      if (decision === 'approve') assertRoomOnStage(w.facts);
      const updated = await this.#settle(w.trx, pending.id, decision === 'approve' ? 'approved' : 'rejected', actor);
      if (decision === 'approve') await applyStageRole(w, pending.user_id, 'guest', actor, 'live.stage.request.approved');
      else w.event({ sessionId, type: 'live.stage.request.rejected', actorId: actor, targetId: pending.user_id });
      return this.#push(w, updated);
    });
  }

  /** The host or a co-host invites a viewer on stage; the viewer accepts or declines. */
  async invite(principal: Principal, sessionId: string, userId: string): Promise<StageRequest> {
    const actor = actorId(principal);
    return this.#deps.work.change(sessionId, { subjects: [principal.userId, userId] }, async (w) => {
      authorize(principal, { action: 'stage.invite', target: userId }, w.facts);
      await expireStale(w.trx, sessionId);
      const name = (await lastKnownName(w.trx, sessionId, userId)) ?? userId;
      const row = await this.#insert(w, { userId, userName: name, kind: 'invite', createdBy: actor, approved: false });
      w.event({ sessionId, type: 'live.stage.invited', actorId: actor, targetId: userId });
      return this.#push(w, row);
    });
  }

  async answerInvite(principal: Principal, sessionId: string, inviteId: string, answer: 'accept' | 'decline'): Promise<StageRequest> {
    const user = requireUser(principal);
    return this.#deps.work.change(sessionId, { subjects: [user.userId] }, async (w) => {
      authorize(user, { action: 'stage.answer' }, w.facts);
      const pending = await findPending(w.trx, sessionId, inviteId, 'invite');
      if (pending.user_id !== user.userId) throw new Errors.requestNotFound(inviteId);
      if (answer === 'accept') assertRoomOnStage(w.facts);
      const updated = await this.#settle(w.trx, pending.id, answer === 'accept' ? 'accepted' : 'declined', user.userId);
      if (answer === 'accept') await applyStageRole(w, user.userId, 'guest', user.userId, 'live.stage.invite.accepted');
      else w.event({ sessionId, type: 'live.stage.invite.declined', actorId: user.userId, targetId: user.userId });
      return this.#push(w, updated);
    });
  }

  /** A guest (or co-host) steps down to viewer: their tracks stop and their grants drop. */
  async stepDown(principal: Principal, sessionId: string): Promise<void> {
    const user = requireUser(principal);
    await this.#deps.work.change(sessionId, { subjects: [user.userId] }, async (w) => {
      authorize(user, { action: 'stage.leave' }, w.facts);
      await applyStageRole(w, user.userId, 'viewer', user.userId, 'live.stage.left');
    });
  }

  /**
   * Promote or demote a participant: guest and viewer by the host or a co-host, co-host only by
   * the host (or an admin). Nobody changes the host.
   */
  async setRole(principal: Principal, sessionId: string, userId: string, role: StageRole): Promise<ParticipantRole> {
    const actor = actorId(principal);
    await this.#deps.work.change(sessionId, { subjects: [principal.userId, userId] }, async (w) => {
      authorize(principal, { action: 'role.set', target: userId, role }, w.facts);
      if (role === 'guest' && targetStanding(userId, w.facts).role !== 'guest') assertRoomOnStage(w.facts);
      await cancelPendingRequests(w.trx, sessionId, userId, actor);
      await applyStageRole(w, userId, role, actor, 'live.participant.role.changed');
    });
    return role;
  }

  /** Pending requests and invites: all of them for moderators, one's own for anyone else. */
  async listRequests(principal: Principal, sessionId: string): Promise<StageRequest[]> {
    const facts = await this.#deps.work.read(sessionId, { subjects: [principal.userId] });
    const me = authorize(principal, { action: 'stage.list' }, facts);
    let query = this.#deps.db
      .selectFrom('stage_requests')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', sql<Date>`now()`)
      .orderBy('created_at', 'asc');
    if (!me.canModerate) query = query.where('user_id', '=', principal.userId ?? '');
    return (await query.execute()).map(presentRequest);
  }

  /** Everyone in the session with their role and whether they are connected; hidden admins only for admins. */
  async listParticipants(principal: Principal, sessionId: string): Promise<ParticipantView[]> {
    const facts = await this.#deps.work.read(sessionId, { subjects: [principal.userId] });
    authorize(principal, { action: 'participants.list' }, facts);
    const [connected, roles] = await Promise.all([
      openConnections(this.#deps.db, sessionId),
      this.#deps.db.selectFrom('session_roles').select(['user_id', 'role']).where('session_id', '=', sessionId).execute(),
    ]);
    const byUser = new Map<string, ParticipantView>();
    const host = facts.row.host_id;
    byUser.set(host, { userId: host, name: facts.row.host_name, role: 'host', connected: false });
    for (const r of roles) byUser.set(r.user_id, { userId: r.user_id, name: r.user_id, role: r.role, connected: false });
    const order: Record<ParticipantRole, number> = { host: 0, cohost: 1, guest: 2, viewer: 3, observer: 4 };
    for (const c of connected) {
      // The host's encoder (OBS over WHIP or RTMP) is the host's camera, not a second host.
      if (hostOfIngestIdentity(c.identity) === host) {
        const entry = byUser.get(host);
        if (entry) entry.connected = true;
        continue;
      }
      const role = (c.identity === host ? 'host' : c.role) as ParticipantRole;
      if (role === 'observer' && !principal.isAdmin) continue;
      // Not a user's role (the hidden recorder): no participant to list.
      if (!Object.hasOwn(order, role)) continue;
      byUser.set(c.identity, { userId: c.identity, name: c.name ?? c.identity, role, connected: true });
    }
    return [...byUser.values()].sort((a, b) => order[a.role] - order[b.role] || a.userId.localeCompare(b.userId));
  }

  async #insert(
    w: WorkContext,
    r: { userId: string; userName: string; kind: 'request' | 'invite'; createdBy: string; approved: boolean },
  ): Promise<RequestRow> {
    const inserted = await w.trx
      .insertInto('stage_requests')
      .values({
        id: randomUUID(),
        session_id: w.facts.row.id,
        user_id: r.userId,
        user_name: r.userName,
        kind: r.kind,
        status: r.approved ? 'approved' : 'pending',
        created_by: r.createdBy,
        expires_at: sql<Date>`now() + make_interval(secs => ${this.#deps.policy.requestTtlSec})`,
        decided_at: r.approved ? sql<Date>`now()` : null,
        decided_by: r.approved ? 'auto' : null,
      })
      .onConflict((oc) => oc.columns(['session_id', 'user_id']).where('status', '=', 'pending').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) throw new Errors.requestPending(r.userId);
    return inserted;
  }

  async #settle(trx: Transaction<Database>, id: string, status: RequestRow['status'], by: string): Promise<RequestRow> {
    return trx
      .updateTable('stage_requests')
      .set({ status, decided_at: sql`now()`, decided_by: by })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The moderators and the user concerned are told, in commit order. */
  #push(w: WorkContext, row: RequestRow): StageRequest {
    const request = presentRequest(row);
    w.effect({ kind: 'realtime.stage.request', sessionId: request.sessionId, request });
    return request;
  }
}

async function findPending(trx: Transaction<Database>, sessionId: string, id: string, kind: 'request' | 'invite'): Promise<RequestRow> {
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

async function expireStale(trx: Transaction<Database>, sessionId: string): Promise<void> {
  await trx
    .updateTable('stage_requests')
    .set({ status: 'expired' })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}

function assertRoomOnStage(facts: SessionFacts): void {
  if (facts.guests >= facts.settings.maxGuests) throw new Errors.stageFull(facts.settings.maxGuests);
}
