import type { Transaction } from 'kysely';
import type { ParticipantInfo, WebhookEvent } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';
import { recordEdge } from '../presence/presence.ts';
import { ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { subjectOf } from '../work/session-facts.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';

export type WebhookResult = 'applied' | 'duplicate' | 'ignored';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type WebhooksServiceDeps = {
  work: UnitOfWork;
  sessions: SessionsService;
  metrics: Metrics;
  logger: Logger;
};

/**
 * Translates verified LiveKit webhook events into presence-ledger changes, exactly once per event
 * id, each in one unit of work on the session. A banned identity that got into the room anyway
 * (an old or refreshed token, or one minted elsewhere) is removed by an effect of the same change.
 */
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
      return result;
    } catch (error) {
      this.#deps.metrics.webhookEvents.inc({ ...labels, result: 'error' });
      throw error;
    }
  }

  /** Counts a delivery whose signature did not verify (its content is not trusted, not even its type). */
  noteRejected(): void {
    this.#deps.metrics.webhookEvents.inc({ event: 'unverified', result: 'rejected' });
  }

  async #apply(event: WebhookEvent, receivedAt: number): Promise<WebhookResult> {
    const sessionId = event.room?.name ?? '';
    if (!UUID.test(sessionId)) return 'ignored';
    const participant = event.participant;
    const isEdge =
      event.event === 'participant_joined' || event.event === 'participant_left' || event.event === 'participant_connection_aborted';
    if (event.event !== 'room_finished' && !(isEdge && participant?.sid)) return 'ignored';
    try {
      return await this.#deps.work.change(sessionId, { subjects: participant ? [participant.identity] : [] }, async (w) => {
        // Claimed under the session lock, in the same transaction as the change: a failed
        // change releases the claim, so LiveKit's retry of the event is applied, not dropped.
        if (!(await claim(w.trx, event))) return 'duplicate';
        if (w.facts.row.status !== 'live') return 'ignored';
        if (event.event === 'room_finished') {
          return (await this.#deps.sessions.endWithin(w, { actor: 'system', reason: 'room_finished' })) ? 'applied' : 'ignored';
        }
        if (!participant) return 'ignored';
        const joined = event.event === 'participant_joined';
        await recordEdge(w, w.facts.row, {
          kind: joined ? 'joined' : 'left',
          sid: participant.sid,
          identity: participant.identity,
          name: participant.name || null,
          role: participant.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown',
          hidden: participant.permission?.hidden ?? false,
          at: eventTime(event, participant, receivedAt),
          reason: event.event === 'participant_connection_aborted' ? 'connection_aborted' : null,
        });
        if (joined && subjectOf(w.facts, participant.identity).ban) {
          this.#deps.logger.warn({ sessionId, identity: participant.identity }, 'banned participant connected to LiveKit; removing');
          w.effect({ kind: 'livekit.participant.remove', sessionId, identity: participant.identity });
        }
        w.notify((b) => b.countersChanged(sessionId));
        return 'applied';
      });
    } catch (error) {
      // A room named like a session that golive does not have (another app on a shared LiveKit).
      if ((error as { code?: string }).code === 'SESSION_NOT_FOUND') return 'ignored';
      throw error;
    }
  }
}

async function claim(trx: Transaction<Database>, event: WebhookEvent): Promise<boolean> {
  const fresh = await trx
    .insertInto('livekit_webhook_deliveries')
    .values({ event_id: eventId(event), event: event.event })
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return fresh !== undefined;
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
