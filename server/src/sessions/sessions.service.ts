import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal, type UserPrincipal } from '../auth/principal.ts';
import type { SessionPolicy } from '../config/config.ts';
import type { Database, SessionMode, SessionRow, SessionVisibility } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { endIngestWithin } from '../ingest/ingest.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Permissions } from '../policy/permissions.ts';
import { authorize, permissionsOf, requireUser, standingOf } from '../policy/policy.ts';
import { closeConnections } from '../presence/presence.ts';
import { stopRecordingsWithin } from '../recordings/recording-signals.ts';
import type { FactsCache } from '../work/facts-cache.ts';
import type { SessionFacts } from '../work/session-facts.ts';
import type { UnitOfWork, WorkContext } from '../work/unit-of-work.ts';
import { type ParticipantRole, participantState } from './grants.ts';
import { checkCanStart, insertSession } from './session-start.ts';
import { presentSession, type SessionView } from './sessions.presenter.ts';
import { readSettings, type SessionSettings, type SettingsPatch } from './settings.ts';
import { isRefusal, recordStartFailure } from './start-failures.ts';

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
  /** auto: a recording starts when the first track is published (task sessions). */
  recording?: { auto: boolean };
};

export type JoinGrant = {
  token: string;
  livekitUrl: string;
  role: ParticipantRole;
  identity: string;
  expiresAt: string;
  session: SessionView;
  permissions: Permissions;
};

export type SessionEnd = { actor: string; reason: string };

export type SessionsServiceDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  factsCache: FactsCache;
  livekit: LivekitAdapter;
  policy: SessionPolicy;
  metrics: Metrics;
  logger: Logger;
};

/** Sessions: start, join, end and settings, each through the unit of work. */
export class SessionsService {
  readonly #deps: SessionsServiceDeps;

  constructor(deps: SessionsServiceDeps) {
    this.#deps = deps;
  }

  /**
   * The LiveKit room is created before the transaction (no network call while it is open). It is
   * named by a fresh id, so nothing can join it until the session commits; if the start is then
   * refused, the room is deleted again.
   */
  async create(principal: Principal, input: CreateSessionInput): Promise<JoinGrant> {
    const host = requireUser(principal);
    const { db, work, livekit, metrics, logger } = this.#deps;
    // Refuse the common cases before touching LiveKit; the check is repeated under the lock.
    await checkCanStart(db, this.#deps, host.userId, input.externalRef);
    const id = randomUUID();
    try {
      await livekit.createRoom(id, this.roomOptions(id, input.mode));
    } catch (error) {
      await recordStartFailure(this.#deps, host.userId, 'livekit');
      throw new Errors.livekitUnavailable(describe(error));
    }
    const participants = [...new Set(input.participants ?? [])].filter((p) => p !== host.userId);
    const tags = [...new Set((input.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))];
    let row: SessionRow;
    try {
      row = await work.start(host.userId, async (w) => {
        await checkCanStart(w.trx, this.#deps, host.userId, input.externalRef);
        const inserted = await insertSession(w, this.#deps.policy, { id, host, input, participants, tags });
        const deadline = new Date(new Date(inserted.started_at).getTime() + inserted.max_duration_sec * 1000);
        w.effect({ kind: 'session.expire', sessionId: id, runAt: deadline.toISOString() });
        w.effect({ kind: 'realtime.feed.live', sessionId: id, session: presentSession(inserted, participants) });
        return inserted;
      });
    } catch (error) {
      await livekit.deleteRoom(id).catch((e) => logger.warn({ err: e, sessionId: id }, 'could not delete the room of a refused start'));
      // A refusal decided under the lock (already live, cooldown) is a 4xx; anything else failed.
      if (!isRefusal(error)) await recordStartFailure(this.#deps, host.userId, 'internal');
      throw error;
    }
    metrics.sessionsStarted.inc();
    const facts: SessionFacts = {
      row,
      settings: readSettings(row.settings),
      participants,
      guests: 0,
      connectedOthers: null,
      subjects: new Map(),
    };
    return this.#grant(facts, host);
  }

  /** How LiveKit keeps the session's room; the same when a lost room is re-created. */
  roomOptions(sessionId: string, mode: SessionMode) {
    const { roomEmptyTimeoutSec, roomDepartureTimeoutSec } = this.#deps.policy;
    return {
      emptyTimeoutSec: roomEmptyTimeoutSec,
      departureTimeoutSec: roomDepartureTimeoutSec,
      metadata: JSON.stringify({ sessionId, mode }),
    };
  }

  async join(principal: Principal, sessionId: string): Promise<JoinGrant> {
    const user = requireUser(principal);
    // The hot path: facts from memory (work/facts-cache.ts). The participant cap needs a count of
    // who is connected, read from the database only where a cap is set.
    let facts = await this.#deps.factsCache.get(sessionId);
    if (facts.settings.maxParticipants > 0)
      facts = await this.#deps.work.read(sessionId, { subjects: [user.userId], countConnected: true });
    authorize(user, { action: 'session.join' }, facts);
    return this.#grant(facts, user);
  }

  /** Ends a session on behalf of its host or an admin. */
  async endByUser(principal: Principal, sessionId: string, reason: string | undefined): Promise<SessionView> {
    const ended = await this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      const me = authorize(principal, { action: 'session.end' }, w.facts);
      const defaultReason = me.isHost ? 'ended_by_host' : 'ended_by_admin';
      return this.endWithin(w, { actor: actorId(principal), reason: reason?.trim() || defaultReason });
    });
    if (!ended) throw new Errors.sessionEnded(sessionId);
    return ended;
  }

  /** Ends a live session for the system (max duration, room gone); null when it was not live. */
  async end(sessionId: string, end: SessionEnd): Promise<SessionView | null> {
    return this.#deps.work.change(sessionId, { subjects: [] }, (w) => this.endWithin(w, end));
  }

  /**
   * Inside a caller's unit of work: marks the session ended, closes its connections, writes the
   * event, and records the room deletion (which disconnects everyone) and the push.
   */
  async endWithin(w: WorkContext, end: SessionEnd): Promise<SessionView | null> {
    const { trx, facts } = w;
    if (facts.row.status !== 'live') return null;
    const updated = await trx
      .updateTable('sessions')
      .set({ status: 'ended', ended_at: sql`now()`, ended_by: end.actor, end_reason: end.reason, viewer_count: 0, interrupted_at: null })
      .where('id', '=', facts.row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await closeConnections(trx, facts.row.id);
    await endIngestWithin(w, end.actor);
    await stopRecordingsWithin(w);
    w.changedJoinFacts();
    const endedAt = new Date(updated.ended_at ?? Date.now());
    const durationSec = (endedAt.getTime() - new Date(updated.started_at).getTime()) / 1000;
    w.event({
      sessionId: facts.row.id,
      type: 'live.session.ended',
      actorId: end.actor,
      reason: end.reason,
      data: { durationSec, peakViewers: updated.peak_viewers },
    });
    w.effect(
      { kind: 'realtime.session.ended', sessionId: facts.row.id, reason: end.reason, endedAt: endedAt.toISOString() },
      { kind: 'realtime.feed.ended', sessionId: facts.row.id, visibility: facts.row.visibility, endedAt: endedAt.toISOString() },
      { kind: 'livekit.room.delete', sessionId: facts.row.id },
    );
    w.notify(() => this.#deps.metrics.sessionDuration.observe({ reason_kind: end.actor === 'system' ? 'system' : 'user' }, durationSec));
    return presentSession(updated, facts.participants);
  }

  /** The session.expire job: ends the session at its max duration (early runs are put back). */
  async expire(sessionId: string): Promise<{ deferUntil: Date } | undefined> {
    const result = await this.#deps.work.change(
      sessionId,
      { subjects: [] },
      async (w): Promise<{ ended: SessionView | null; deferUntil?: Date }> => {
        const deadline = new Date(w.facts.row.started_at).getTime() + w.facts.row.max_duration_sec * 1000;
        if (w.facts.row.status !== 'live') return { ended: null };
        if (Date.now() < deadline) return { ended: null, deferUntil: new Date(deadline) };
        return { ended: await this.endWithin(w, { actor: 'system', reason: 'max_duration' }) };
      },
    );
    if (result.deferUntil) return { deferUntil: result.deferUntil };
    if (result.ended) {
      this.#deps.metrics.reconcilerCorrections.inc({ kind: 'max_duration' });
      this.#deps.logger.info({ sessionId }, 'session reached its max duration');
    }
    return undefined;
  }

  /** Changes settings live; subscribers get the new settings at once. */
  async updateSettings(principal: Principal, sessionId: string, patch: SettingsPatch): Promise<SessionSettings> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'session.settings' }, w.facts);
      const row = await w.trx
        .updateTable('sessions')
        .set({ settings: sql`settings || ${JSON.stringify(patch)}::jsonb` })
        .where('id', '=', sessionId)
        .returning('settings')
        .executeTakeFirstOrThrow();
      w.event({ sessionId, type: 'live.session.settings.changed', actorId: actorId(principal), data: { ...patch } });
      w.changedJoinFacts();
      const settings = readSettings(row.settings);
      w.effect({ kind: 'realtime.settings', sessionId, settings });
      return settings;
    });
  }

  async #grant(facts: SessionFacts, user: UserPrincipal): Promise<JoinGrant> {
    const { livekit, policy, metrics } = this.#deps;
    const role = standingOf(user, facts).role;
    if (!role) throw new Errors.sessionForbidden();
    const token = await livekit.mintToken({
      room: facts.row.id,
      identity: user.userId,
      name: user.name,
      ttlSec: policy.tokenTtlSec,
      ...participantState(role, facts.row.id, facts.settings.guestCanPublish),
    });
    metrics.tokensIssued.inc({ role });
    return {
      token,
      livekitUrl: livekit.clientUrl,
      role,
      identity: user.userId,
      expiresAt: new Date(Date.now() + policy.tokenTtlSec * 1000).toISOString(),
      session: presentSession(facts.row, facts.participants),
      permissions: permissionsOf(user, facts),
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
