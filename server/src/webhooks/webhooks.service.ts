import type { Kysely } from 'kysely';
import type { ParticipantInfo, WebhookEvent } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { appendEvent } from '../events/events.repository.ts';
import type { Metrics } from '../ops/metrics.ts';
import { isCountedViewer, ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { recomputeCounts } from './participant-counts.ts';

export type WebhookResult = 'applied' | 'duplicate' | 'ignored';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type WebhooksServiceDeps = {
  db: Kysely<Database>;
  sessions: SessionsService;
  metrics: Metrics;
  logger: Logger;
};

/** Applies verified LiveKit webhook events, exactly once per event id. */
export class WebhooksService {
  readonly #deps: WebhooksServiceDeps;

  constructor(deps: WebhooksServiceDeps) {
    this.#deps = deps;
  }

  async ingest(event: WebhookEvent): Promise<WebhookResult> {
    const result = await this.#apply(event);
    this.#deps.metrics.webhookEvents.inc({ event: event.event || 'unknown', result });
    return result;
  }

  async #apply(event: WebhookEvent): Promise<WebhookResult> {
    const sessionId = event.room?.name ?? '';
    if (!UUID.test(sessionId)) return 'ignored';
    if (event.event === 'room_finished') {
      const fresh = await this.#claim(event);
      if (!fresh) return 'duplicate';
      const ended = await this.#deps.sessions.end(sessionId, { actor: 'system', reason: 'room_finished' });
      return ended ? 'applied' : 'ignored';
    }
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

      const at = eventTime(event, participant);
      const role = participant.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown';
      const counted = isCountedViewer(role, participant.permission?.hidden ?? false);
      const joined = event.event === 'participant_joined';
      await trx
        .insertInto('participant_connections')
        .values({
          session_id: sessionId,
          participant_sid: participant.sid,
          identity: participant.identity,
          role,
          counted,
          joined_at: joined ? at : null,
          left_at: joined ? null : at,
        })
        .onConflict((oc) => oc.columns(['session_id', 'participant_sid']).doUpdateSet(joined ? { joined_at: at } : { left_at: at }))
        .execute();
      const inOrder = !session.last_webhook_at || at.getTime() >= new Date(session.last_webhook_at).getTime();
      await recomputeCounts(trx, sessionId, inOrder);
      if (inOrder) {
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

  /** Records the event id; false when it was already seen. */
  async #claim(event: WebhookEvent): Promise<boolean> {
    const fresh = await this.#deps.db
      .insertInto('livekit_webhook_deliveries')
      .values({ event_id: eventId(event), event: event.event })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    return fresh !== undefined;
  }
}

function eventId(event: WebhookEvent): string {
  // LiveKit always sets an id; the fallback keeps hand-made events deduplicable too.
  return event.id || `${event.event}:${event.room?.name}:${event.participant?.sid}:${String(event.createdAt)}`;
}

/** When it happened: LiveKit's join time (ms) for joins, the event time for leaves. */
function eventTime(event: WebhookEvent, participant: ParticipantInfo): Date {
  if (event.event === 'participant_joined') {
    const ms = Number(participant.joinedAtMs ?? 0n) || Number(participant.joinedAt ?? 0n) * 1000;
    if (ms > 0) return new Date(ms);
  }
  const created = Number(event.createdAt ?? 0n) * 1000;
  return new Date(created > 0 ? created : Date.now());
}
