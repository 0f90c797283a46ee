import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal, type UserPrincipal } from '../auth/principal.ts';
import type { SessionPolicy } from '../config/config.ts';
import type { Database, SessionMode, SessionRow, SessionVisibility, StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { appendEvent, listEvents, type SessionEvent } from '../events/events.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { type ParticipantRole, participantState, resolveJoinRole } from './grants.ts';
import { decodeCursor, encodeCursor, presentSession, type SessionView } from './sessions.presenter.ts';
import { readSettings, type SessionSettings, type SettingsPatch } from './settings.ts';

export type CreateSessionInput = {
  title: string;
  mode: SessionMode;
  visibility: SessionVisibility;
  participants?: string[];
  externalRef?: string;
  tags?: string[];
  coverUrl?: string;
  maxDurationSec?: number;
  settings?: SettingsPatch;
};

export type ListSessionsQuery = {
  status: 'live' | 'ended';
  tag?: string;
  externalRef?: string;
  cursor?: string;
  limit: number;
};

export type JoinGrant = {
  token: string;
  livekitUrl: string;
  role: ParticipantRole;
  identity: string;
  expiresAt: string;
  session: SessionView;
};

/** Told about every session deadline so max durations are enforced on time, not at the next poll. */
export type DeadlineScheduler = { noteDeadline(at: Date): void };

export type SessionEnd = { actor: string; reason: string };

/** The caller's standing in one session. */
export type SessionAccess = {
  row: SessionRow;
  /** How the caller would join; null when they may not watch at all. */
  role: ParticipantRole | null;
  isHost: boolean;
  isCohost: boolean;
  /** The caller's active ban, if any (hosts and admins are never banned). */
  ban: { reason: string | null; expiresAt: Date | null } | null;
  /** Host, co-host or admin: manages the stage, chat and settings. */
  canModerate: boolean;
  settings: SessionSettings;
};

export type SessionsServiceDeps = {
  db: Kysely<Database>;
  livekit: LivekitAdapter;
  policy: SessionPolicy;
  metrics: Metrics;
  deadlines: DeadlineScheduler;
  broadcaster: SessionBroadcaster;
  logger: Logger;
};

/** Sessions: start, join, read, list, end. Every write and its audit event share a transaction. */
export class SessionsService {
  readonly #deps: SessionsServiceDeps;

  constructor(deps: SessionsServiceDeps) {
    this.#deps = deps;
  }

  async create(principal: Principal, input: CreateSessionInput): Promise<JoinGrant> {
    const host = requireUser(principal);
    const { db, livekit, policy, metrics } = this.#deps;
    const id = randomUUID();
    const participants = [...new Set(input.participants ?? [])].filter((p) => p !== host.userId);
    const tags = [...new Set((input.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))];

    const row = await db.transaction().execute(async (trx) => {
      // Serializes starts by the same host, so the checks below cannot race.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`host:${host.userId}`}, 0))`.execute(trx);
      await this.#checkCanStart(trx, host.userId, input.externalRef);
      const inserted = await trx
        .insertInto('sessions')
        .values({
          id,
          host_id: host.userId,
          host_name: host.name,
          title: input.title.trim(),
          mode: input.mode,
          visibility: input.visibility,
          external_ref: input.externalRef ?? null,
          tags,
          cover_url: input.coverUrl ?? null,
          max_duration_sec: input.maxDurationSec ?? policy.defaultMaxDurationSec,
          status: 'live',
          last_webhook_at: null,
          ended_at: null,
          ended_by: null,
          end_reason: null,
          settings: JSON.stringify(input.settings ?? {}),
          pinned_message_id: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('session_members')
        .values([
          { session_id: id, user_id: host.userId, role: 'host' as const },
          ...participants.map((userId) => ({ session_id: id, user_id: userId, role: 'participant' as const })),
        ])
        .execute();
      await appendEvent(trx, {
        sessionId: id,
        type: 'live.session.started',
        actorId: actorId(principal),
        data: { mode: input.mode, visibility: input.visibility, externalRef: input.externalRef ?? null, participants },
      });
      // The room is created while the transaction is open: if LiveKit fails, nothing is written.
      try {
        await livekit.createRoom(id, {
          emptyTimeoutSec: policy.roomEmptyTimeoutSec,
          departureTimeoutSec: policy.roomDepartureTimeoutSec,
          metadata: JSON.stringify({ sessionId: id, mode: input.mode }),
        });
      } catch (error) {
        metrics.sessionStartFailures.inc({ reason: 'livekit' });
        throw new Errors.livekitUnavailable(describe(error));
      }
      return inserted;
    });

    metrics.sessionsStarted.inc();
    const session = presentSession(row, participants);
    this.#deps.deadlines.noteDeadline(new Date(session.endsAt));
    return this.#grant(session, host, 'host', session.settings);
  }

  async #checkCanStart(trx: Transaction<Database>, hostId: string, externalRef: string | undefined): Promise<void> {
    const last = await trx
      .selectFrom('sessions')
      .select(['id', 'status', 'started_at'])
      .where('host_id', '=', hostId)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last?.status === 'live') throw new Errors.hostAlreadyLive(last.id);
    const cooldownMs = this.#deps.policy.startCooldownSec * 1000;
    const waitMs = last ? new Date(last.started_at).getTime() + cooldownMs - Date.now() : 0;
    if (waitMs > 0) {
      this.#deps.metrics.sessionStartFailures.inc({ reason: 'cooldown' });
      const error = new Errors.startCooldown(Math.ceil(waitMs / 1000));
      Object.assign(error, { retryAfterSec: Math.ceil(waitMs / 1000) });
      throw error;
    }
    if (externalRef) {
      const live = await trx
        .selectFrom('sessions')
        .select('id')
        .where('external_ref', '=', externalRef)
        .where('status', '=', 'live')
        .executeTakeFirst();
      if (live) throw new Errors.externalRefLive(externalRef, live.id);
    }
  }

  async join(principal: Principal, sessionId: string): Promise<JoinGrant> {
    const user = requireUser(principal);
    const access = await this.requireWatcher(user, sessionId, { live: true });
    const { row, participants, settings } = access;
    if (settings.maxParticipants > 0 && !access.canModerate) {
      const connected = await this.#deps.db
        .selectFrom('participant_connections')
        .select((eb) => eb.fn.count<string>('identity').distinct().as('n'))
        .where('session_id', '=', sessionId)
        .where('joined_at', 'is not', null)
        .where('left_at', 'is', null)
        .where('identity', '!=', user.userId)
        .executeTakeFirstOrThrow();
      if (Number(connected.n) >= settings.maxParticipants) throw new Errors.sessionFull(settings.maxParticipants);
    }
    return this.#grant(presentSession(row, participants), user, access.role, settings);
  }

  /** Who the caller is in a session, for join, chat, realtime, stage and moderation checks. */
  async access(principal: Principal, sessionId: string): Promise<SessionAccess & { participants: string[] }> {
    const { row, participants, isAllowlisted, stageRole, ban } = await this.#load(sessionId, principal.userId);
    const isHost = principal.userId !== null && row.host_id === principal.userId;
    const role = resolveJoinRole({
      isHost,
      isAllowlisted,
      isAdmin: principal.isAdmin,
      stageRole,
      mode: row.mode,
      visibility: row.visibility,
    });
    const isCohost = role === 'cohost';
    return {
      row,
      participants,
      role,
      isHost,
      isCohost,
      ban: isHost || principal.isAdmin ? null : ban,
      canModerate: isHost || isCohost || principal.isAdmin,
      settings: readSettings(row.settings),
    };
  }

  /** Another user's standing (the target of a stage or moderation action), as a non-admin. */
  async accessOf(userId: string, sessionId: string) {
    return this.access({ kind: 'user', userId, name: userId, isAdmin: false, via: 'jwt' }, sessionId);
  }

  /** Like access(), but refuses callers who may not watch, and ended sessions when `live` is set. */
  async requireWatcher(
    principal: Principal,
    sessionId: string,
    options: { live?: boolean } = {},
  ): Promise<SessionAccess & { role: ParticipantRole; participants: string[] }> {
    const access = await this.access(principal, sessionId);
    if (!access.role) throw new Errors.sessionForbidden();
    if (access.ban) throw new Errors.banned(access.ban.reason ? `: ${access.ban.reason}` : '');
    if (options.live && access.row.status !== 'live') throw new Errors.sessionEnded(sessionId);
    return { ...access, role: access.role };
  }

  /** Refuses callers who may not moderate (host, co-host or admin). */
  async requireModerator(
    principal: Principal,
    sessionId: string,
  ): Promise<SessionAccess & { role: ParticipantRole; participants: string[] }> {
    const access = await this.requireWatcher(principal, sessionId);
    if (!access.canModerate) throw new Errors.forbidden('only the host, a co-host or an admin can do this');
    return access;
  }

  async get(principal: Principal, sessionId: string): Promise<SessionView> {
    const { row, participants, isAllowlisted } = await this.#load(sessionId, principal.userId);
    this.#assertCanSee(principal, row, isAllowlisted);
    return presentSession(row, participants);
  }

  /**
   * The newest session for an external reference (a live one if any), e.g. "is task_123 live?",
   * among those the caller may see: references are guessable, so a private session the caller is
   * not in is a 404, never a 403 that would tell it exists.
   */
  async getByExternalRef(principal: Principal, externalRef: string): Promise<SessionView> {
    let q = this.#deps.db.selectFrom('sessions').select('id').where('external_ref', '=', externalRef);
    if (!principal.isAdmin) q = q.where(visibleTo(principal.userId));
    const found = await q.orderBy(sql`status = 'live'`, 'desc').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    if (!found) throw new Errors.sessionNotFound(`with externalRef ${externalRef}`);
    return this.get(principal, found.id);
  }

  async list(principal: Principal, query: ListSessionsQuery): Promise<{ sessions: SessionView[]; nextCursor: string | null }> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !cursor) throw new Errors.validationFailed('querystring.cursor is not a cursor returned by listSessions');
    let q = this.#deps.db
      .selectFrom('sessions')
      .selectAll()
      .where('status', '=', query.status)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1);
    if (!principal.isAdmin) q = q.where(visibleTo(principal.userId));
    if (query.tag) q = q.where(sql<boolean>`tags @> array[${query.tag.trim().toLowerCase()}]::text[]`);
    if (query.externalRef) q = q.where('external_ref', '=', query.externalRef);
    if (cursor) q = q.where(sql<boolean>`(started_at, id) < (${cursor.startedAt}::timestamptz, ${cursor.id}::uuid)`);
    const rows = await q.execute();
    const page = rows.slice(0, query.limit);
    const members = await this.#participantsOf(page.map((r) => r.id));
    const last = page.at(-1);
    return {
      sessions: page.map((row) => presentSession(row, members.get(row.id) ?? [])),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  /** Ends a session on behalf of its host or an admin. */
  async endByUser(principal: Principal, sessionId: string, reason: string | undefined): Promise<SessionView> {
    const { row, isAllowlisted } = await this.#load(sessionId, principal.userId);
    this.#assertCanSee(principal, row, isAllowlisted);
    const isHost = principal.userId !== null && row.host_id === principal.userId;
    if (!isHost && !principal.isAdmin) throw new Errors.forbidden('only the host or an admin can end this session');
    const defaultReason = isHost ? 'ended_by_host' : 'ended_by_admin';
    const ended = await this.end(sessionId, { actor: actorId(principal), reason: reason?.trim() || defaultReason });
    if (!ended) throw new Errors.sessionEnded(sessionId);
    return ended;
  }

  /**
   * Ends a live session: marks it ended, closes its connections and writes the event in one
   * transaction, then deletes the LiveKit room so everyone is disconnected. Returns null if the
   * session was not live (ending is idempotent for the system's callers).
   */
  async end(sessionId: string, end: SessionEnd): Promise<SessionView | null> {
    const { db, livekit, metrics, logger } = this.#deps;
    const row = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('sessions')
        .set({ status: 'ended', ended_at: sql`now()`, ended_by: end.actor, end_reason: end.reason, viewer_count: 0 })
        .where('id', '=', sessionId)
        .where('status', '=', 'live')
        .returningAll()
        .executeTakeFirst();
      if (!updated) return null;
      await trx
        .updateTable('participant_connections')
        .set({ left_at: sql`now()` })
        .where('session_id', '=', sessionId)
        .where('left_at', 'is', null)
        .execute();
      const durationSec = (new Date(updated.ended_at ?? Date.now()).getTime() - new Date(updated.started_at).getTime()) / 1000;
      await appendEvent(trx, {
        sessionId,
        type: 'live.session.ended',
        actorId: end.actor,
        reason: end.reason,
        data: { durationSec, peakViewers: updated.peak_viewers },
      });
      return updated;
    });
    if (!row) return null;
    this.#deps.broadcaster.sessionEnded({ sessionId, reason: end.reason, endedAt: new Date(row.ended_at ?? Date.now()).toISOString() });
    const durationSec = (new Date(row.ended_at ?? Date.now()).getTime() - new Date(row.started_at).getTime()) / 1000;
    metrics.sessionDuration.observe({ reason_kind: end.actor === 'system' ? 'system' : 'user' }, durationSec);
    try {
      await livekit.deleteRoom(sessionId);
    } catch (error) {
      // The reconciler deletes rooms of ended sessions on its next pass.
      logger.warn({ err: error, sessionId }, 'could not delete LiveKit room; the reconciler will retry');
    }
    return presentSession(row, await this.#participantsOf([sessionId]).then((m) => m.get(sessionId) ?? []));
  }

  /** Changes settings live; subscribers get the new settings at once. */
  async updateSettings(principal: Principal, sessionId: string, patch: SettingsPatch): Promise<SessionSettings> {
    await this.requireModerator(principal, sessionId);
    const settings = await this.#deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('sessions')
        .set({ settings: sql`settings || ${JSON.stringify(patch)}::jsonb` })
        .where('id', '=', sessionId)
        .where('status', '=', 'live')
        .returning('settings')
        .executeTakeFirst();
      if (!row) throw new Errors.sessionEnded(sessionId);
      await appendEvent(trx, { sessionId, type: 'live.session.settings.changed', actorId: actorId(principal), data: { ...patch } });
      return readSettings(row.settings);
    });
    this.#deps.broadcaster.settingsChanged(sessionId, settings);
    return settings;
  }

  async listEvents(principal: Principal, sessionId: string, options: { after: string | null; limit: number }): Promise<SessionEvent[]> {
    const { row, isAllowlisted } = await this.#load(sessionId, principal.userId);
    this.#assertCanSee(principal, row, isAllowlisted);
    if (!principal.isAdmin && row.host_id !== principal.userId) {
      throw new Errors.forbidden('only the host or an admin can read the event log');
    }
    return listEvents(this.#deps.db, sessionId, options);
  }

  async #grant(session: SessionView, user: UserPrincipal, role: ParticipantRole, settings: SessionSettings): Promise<JoinGrant> {
    const { livekit, policy, metrics } = this.#deps;
    const token = await livekit.mintToken({
      room: session.id,
      identity: user.userId,
      name: user.name,
      ttlSec: policy.tokenTtlSec,
      ...participantState(role, session.id, settings.guestCanPublish),
    });
    metrics.tokensIssued.inc({ role });
    return {
      token,
      livekitUrl: livekit.clientUrl,
      role,
      identity: user.userId,
      expiresAt: new Date(Date.now() + policy.tokenTtlSec * 1000).toISOString(),
      session,
    };
  }

  /** The session, its allowlist, and the caller's stage role and ban, in one query: join is the hot path. */
  async #load(sessionId: string, userId: string | null) {
    const found = await this.#deps.db
      .selectFrom('sessions')
      .selectAll('sessions')
      .select([
        sql<string[]>`coalesce((select array_agg(m.user_id order by m.added_at) from session_members m
          where m.session_id = sessions.id and m.role = 'participant'), '{}')`.as('participants'),
        sql<StageRole | null>`(select r.role from session_roles r where r.session_id = sessions.id and r.user_id = ${userId})`.as(
          'stage_role',
        ),
        sql<{
          reason: string | null;
          expires_at: string | null;
        } | null>`(select json_build_object('reason', b.reason, 'expires_at', b.expires_at)
          from session_bans b where b.session_id = sessions.id and b.user_id = ${userId}
          and (b.expires_at is null or b.expires_at > now()))`.as('ban'),
      ])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!found) throw new Errors.sessionNotFound(sessionId);
    const { participants, stage_role, ban, ...row } = found;
    const parsedBan = typeof ban === 'string' ? (JSON.parse(ban) as typeof ban) : ban;
    return {
      row,
      participants,
      isAllowlisted: userId !== null && participants.includes(userId),
      stageRole: stage_role,
      ban: parsedBan ? { reason: parsedBan.reason, expiresAt: parsedBan.expires_at ? new Date(parsedBan.expires_at) : null } : null,
    };
  }

  /** Allowlisted users (not the host) per session. */
  async #participantsOf(sessionIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (sessionIds.length === 0) return result;
    const rows = await this.#deps.db
      .selectFrom('session_members')
      .select(['session_id', 'user_id'])
      .where('session_id', 'in', sessionIds)
      .where('role', '=', 'participant')
      .orderBy('added_at')
      .execute();
    for (const r of rows) result.set(r.session_id, [...(result.get(r.session_id) ?? []), r.user_id]);
    return result;
  }

  #assertCanSee(principal: Principal, row: SessionRow, isAllowlisted: boolean): void {
    if (row.visibility === 'public' || principal.isAdmin || row.host_id === principal.userId || isAllowlisted) return;
    throw new Errors.sessionForbidden();
  }
}

/** Sessions a (non-admin) user may see: public ones, and those they host or are allowlisted in. */
function visibleTo(userId: string) {
  return (eb: ExpressionBuilder<Database, 'sessions'>) =>
    eb.or([
      eb('visibility', '=', 'public'),
      eb.exists(
        eb
          .selectFrom('session_members as m')
          .select(sql.lit(1).as('one'))
          .whereRef('m.session_id', '=', 'sessions.id')
          .where('m.user_id', '=', userId),
      ),
    ]);
}

function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new Errors.userRequired();
  return principal;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
