import type { Kysely } from 'kysely';
import type { ParticipantInfo, WebhookEvent } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { appendEvent } from '../events/events.repository.ts';
import type { ModerationService } from '../moderation/moderation.service.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { recomputeCounts } from './participant-counts.ts';

export type WebhookResult = 'applied' | 'duplicate' | 'ignored';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type WebhooksServiceDeps = {
  db: Kysely<Database>;
  sessions: SessionsService;
  /** Pushes the new viewer count to realtime subscribers (coalesced). */
  broadcaster: Pick<SessionBroadcaster, 'countersChanged'>;
  /** Removes a banned identity that got into the room anyway. */
  bans: Pick<ModerationService, 'enforceOnJoin'>;
  metrics: Metrics;
  logger: Logger;
};

/** Applies verified LiveKit webhook events, exactly once per event id. */
export class WebhooksService {
  readonly #deps: WebhooksServiceDeps;

  constructor(deps: WebhooksServiceDeps) {
    this.#deps = deps;
  }

  /** `receivedAt` is when the delivery arrived, before any wait for locks (see eventTime). */
  async ingest(event: WebhookEvent, receivedAt = Date.now()): Promise<WebhookResult> {
    const labels = { event: event.event || 'unknown' };
    try {
      const result = await this.#apply(event, receivedAt);
      this.#deps.metrics.webhookEvents.inc({ ...labels, result });
      if (result === 'applied') await this.#afterCommit(event);
      return result;
    } catch (error) {
      this.#deps.metrics.webhookEvents.inc({ ...labels, result: 'error' });
      throw error;
    }
  }

  /** After a participant change is committed: counters to subscribers, bans enforced. */
  async #afterCommit(event: WebhookEvent): Promise<void> {
    const sessionId = event.room?.name ?? '';
    const identity = event.participant?.identity;
    if (!identity) return;
    this.#deps.broadcaster.countersChanged(sessionId);
    if (event.event !== 'participant_joined') return;
    try {
      await this.#deps.bans.enforceOnJoin(sessionId, identity);
    } catch (error) {
      this.#deps.logger.error({ err: error, sessionId, identity }, 'could not remove a banned participant; the reconciler retries');
    }
  }

  /** Counts a delivery whose signature did not verify (its content is not trusted, not even its type). */
  noteRejected(): void {
    this.#deps.metrics.webhookEvents.inc({ event: 'unverified', result: 'rejected' });
  }

  async #apply(event: WebhookEvent, receivedAt: number): Promise<WebhookResult> {
    const sessionId = event.room?.name ?? '';
    if (!UUID.test(sessionId)) return 'ignored';
    if (event.event === 'room_finished') return this.#roomFinished(event, sessionId);
    if (event.event !== 'participant_joined' && event.event !== 'participant_left' && event.event !== 'participant_connection_aborted') {
      return 'ignored';
    }
    const participant = event.participant;
    if (!participant?.sid) return 'ignored';
    return this.#deps.db.transaction().execute(async (trx) => {
      const fresh = await trx
        .insertInto('livekit_webhook_deliveries')
        .values({ event_id: eventId(event), event: event.event })
        .onConflict((oc) => oc.doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (!fresh) return 'duplicate';
      // Row lock: concurrent deliveries for one session apply one after another.
      const session = await trx
        .selectFrom('sessions')
        .select(['status', 'last_webhook_at'])
        .where('id', '=', sessionId)
        .forUpdate()
        .executeTakeFirst();
      if (session?.status !== 'live') return 'ignored';

      const at = eventTime(event, participant, receivedAt);
      const role = participant.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown';
      const counted = isCountedViewer(role, participant.permission?.hidden ?? false);
      const joined = event.event === 'participant_joined';
      await trx
        .insertInto('participant_connections')
        .values({
          session_id: sessionId,
          participant_sid: participant.sid,
          identity: participant.identity,
          name: participant.name || null,
          role,
          counted,
          joined_at: joined ? at : null,
          left_at: joined ? null : at,
        })
        .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doUpdateSet(joined ? { joined_at: at } : { left_at: at }))
        .execute();
      // Only an edge strictly later than every recorded one may just raise the peak; a tie must be
      // re-derived too, or a join and a leave stamped alike would count differently by arrival order.
      const isLatest = !session.last_webhook_at || at.getTime() > new Date(session.last_webhook_at).getTime();
      await recomputeCounts(trx, sessionId, isLatest ? 'raise' : 'rederive');
      if (isLatest) {
        await trx.updateTable('sessions').set({ last_webhook_at: at }).where('id', '=', sessionId).execute();
      }
      await appendEvent(trx, {
        sessionId,
        type: joined ? 'live.participant.joined' : 'live.participant.left',
        actorId: participant.identity,
        targetId: participant.identity,
        reason: joined ? null : event.event === 'participant_connection_aborted' ? 'connection_aborted' : null,
        data: { role, participantSid: participant.sid, at: at.toISOString() },
      });
      return 'applied';
    });
  }

  /**
   * Ends the session. The event id is claimed first so a replay is a 'duplicate'; if ending fails
   * the claim is released, so LiveKit's retry of the same event is applied rather than dropped.
   */
  async #roomFinished(event: WebhookEvent, sessionId: string): Promise<WebhookResult> {
    const { db, sessions } = this.#deps;
    const id = eventId(event);
    const claimed = await db
      .insertInto('livekit_webhook_deliveries')
      .values({ event_id: id, event: event.event })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!claimed) return 'duplicate';
    try {
      const ended = await sessions.end(sessionId, { actor: 'system', reason: 'room_finished' });
      return ended ? 'applied' : 'ignored';
    } catch (error) {
      await db.deleteFrom('livekit_webhook_deliveries').where('event_id', '=', id).execute();
      throw error;
    }
  }
}

function eventId(event: WebhookEvent): string {
  // LiveKit always sets an id; the fallback keeps hand-made events deduplicable too.
  return event.id || `${event.event}:${event.room?.name}:${event.participant?.sid}:${String(event.createdAt)}`;
}

/**
 * When it happened, on LiveKit's clock where it says: the join time (ms) for joins. A leave is
 * stamped only to the second (created_at), so it is placed at the moment it reached us, kept
 * within that second: stamped at the start of its second, a leave would sort before joins that
 * really came before it in the same second, and drop viewers golive saw together from the peak.
 * A late (retried or reordered) leave lands at the end of its second.
 */
function eventTime(event: WebhookEvent, participant: ParticipantInfo, receivedAt: number): Date {
  if (event.event === 'participant_joined') {
    const ms = Number(participant.joinedAtMs ?? 0n) || Number(participant.joinedAt ?? 0n) * 1000;
    if (ms > 0) return new Date(ms);
  }
  const second = Number(event.createdAt ?? 0n) * 1000;
  if (second <= 0) return new Date(receivedAt);
  return new Date(Math.min(Math.max(receivedAt, second), second + 999));
}
