import type { Transaction } from 'kysely';
import type { ParticipantInfo, WebhookEvent } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { applyIngestEvents, isIngestEvent } from '../ingest/ingest-webhooks.ts';
import type { Metrics } from '../ops/metrics.ts';
import { type ConnectionEdge, recordEdges } from '../presence/presence.ts';
import type { RecordingsService } from '../recordings/recordings.service.ts';
import { ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { subjectOf } from '../work/session-facts.ts';
import type { UnitOfWork, WorkContext } from '../work/unit-of-work.ts';
import { GroupCommit } from './group-commit.ts';

export type WebhookResult = 'applied' | 'duplicate' | 'ignored';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type WebhooksServiceDeps = {
  work: UnitOfWork;
  sessions: SessionsService;
  /** Starts a session's automatic recording at its first published track. */
  recordings: RecordingsService;
  metrics: Metrics;
  logger: Logger;
};

/**
 * Translates verified LiveKit webhook events into presence-ledger changes, exactly once per event
 * id. Deliveries for one session are group-committed: those arriving while the session's previous
 * group is being applied are applied together in one unit of work (one lock, one claim statement,
 * one upsert, one count update, one insert of audit events), so a join storm on one big show costs
 * a few transactions a second, not one per viewer. Each delivery is answered once its group has
 * committed. A banned identity that got into the room anyway (an old or refreshed token, or one
 * minted elsewhere) is removed by an effect of the same change.
 */
export class WebhooksService {
  readonly #deps: WebhooksServiceDeps;
  readonly #groups: GroupCommit<Delivery, WebhookResult>;

  constructor(deps: WebhooksServiceDeps) {
    this.#deps = deps;
    this.#groups = new GroupCommit((sessionId, deliveries) => this.#applyGroup(sessionId, deliveries));
  }

  /** `receivedAt` is when the delivery arrived, before any wait for locks (see eventTime). */
  async ingest(event: WebhookEvent, receivedAt = Date.now()): Promise<WebhookResult> {
    const labels = { event: event.event || 'unknown' };
    try {
      const result = relevant(event) ? await this.#groups.submit(event.room?.name ?? '', { event, receivedAt }) : 'ignored';
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

  async #applyGroup(sessionId: string, deliveries: Delivery[]): Promise<WebhookResult[]> {
    const joined = deliveries.filter((d) => d.event.event === 'participant_joined').map((d) => d.event.participant?.identity ?? '');
    try {
      return await this.#deps.work.change(sessionId, { subjects: joined, lean: true }, async (w) => {
        // Claimed under the session lock, in the same transaction as the change: a failed
        // change releases the claims, so LiveKit's retries of the events are applied, not dropped.
        const fresh = await claim(w.trx, deliveries);
        const results: WebhookResult[] = deliveries.map((d) => (fresh.has(eventId(d.event)) ? 'applied' : 'duplicate'));
        if (w.facts.row.status !== 'live') return results.map((r) => (r === 'applied' ? 'ignored' : r));
        // Claimed once each even when LiveKit sent one twice within the group.
        const seen = new Set<string>();
        const edges: ConnectionEdge[] = [];
        const ingestEvents: WebhookEvent[] = [];
        let published = false;
        let finished = -1;
        for (const [i, d] of deliveries.entries()) {
          const id = eventId(d.event);
          if (results[i] !== 'applied' || seen.has(id)) {
            results[i] = 'duplicate';
            continue;
          }
          seen.add(id);
          if (finished >= 0) results[i] = 'ignored';
          else if (d.event.event === 'room_finished') finished = i;
          else {
            if (isEdge(d.event)) edges.push(edgeOf(d));
            if (isIngestEvent(d.event)) ingestEvents.push(d.event);
            if (d.event.event === 'track_published') published = true;
          }
        }
        if (edges.length > 0) await this.#record(w, edges);
        if (ingestEvents.length > 0) await applyIngestEvents(w, ingestEvents);
        if (published && finished < 0 && w.facts.row.recording_auto) await this.#deps.recordings.autoStartWithin(w);
        if (finished >= 0 && !(await this.#deps.sessions.endWithin(w, { actor: 'system', reason: 'room_finished' }))) {
          results[finished] = 'ignored';
        }
        return results;
      });
    } catch (error) {
      // A room named like a session that golive does not have (another app on a shared LiveKit).
      if ((error as { code?: string }).code === 'SESSION_NOT_FOUND') return deliveries.map(() => 'ignored');
      throw error;
    }
  }

  async #record(w: WorkContext, edges: ConnectionEdge[]): Promise<void> {
    const sessionId = w.facts.row.id;
    await recordEdges(w, edges);
    for (const edge of edges) {
      if (edge.kind === 'joined' && subjectOf(w.facts, edge.identity).ban) {
        this.#deps.logger.warn({ sessionId, identity: edge.identity }, 'banned participant connected to LiveKit; removing');
        w.effect({ kind: 'livekit.participant.remove', sessionId, identity: edge.identity });
      }
    }
    w.notify((b) => b.countersChanged(sessionId));
  }
}

type Delivery = { event: WebhookEvent; receivedAt: number };

/**
 * Session rooms' participant edges, room_finished, and the ingest participant's tracks (its WHIP
 * state); everything else is ignored without a lock.
 */
function relevant(event: WebhookEvent): boolean {
  if (!UUID.test(event.room?.name ?? '')) return false;
  if (event.event === 'room_finished') return true;
  // Any published track: a session with recording.auto starts recording at its first one.
  return (isEdge(event) || isIngestEvent(event) || event.event === 'track_published') && Boolean(event.participant?.sid);
}

function isEdge(event: WebhookEvent): boolean {
  return event.event === 'participant_joined' || event.event === 'participant_left' || event.event === 'participant_connection_aborted';
}

function edgeOf({ event, receivedAt }: Delivery): ConnectionEdge {
  const participant = event.participant as ParticipantInfo;
  return {
    kind: event.event === 'participant_joined' ? 'joined' : 'left',
    sid: participant.sid,
    identity: participant.identity,
    name: participant.name || null,
    role: participant.attributes?.[ROLE_ATTRIBUTE] ?? 'unknown',
    hidden: participant.permission?.hidden ?? false,
    at: eventTime(event, participant, receivedAt),
    reason: event.event === 'participant_connection_aborted' ? 'connection_aborted' : null,
  };
}

/** Claims the event ids not seen before, in one statement; returns those that were fresh. */
async function claim(trx: Transaction<Database>, deliveries: Delivery[]): Promise<Set<string>> {
  const unique = new Map(deliveries.map((d) => [eventId(d.event), d.event.event]));
  const fresh = await trx
    .insertInto('livekit_webhook_deliveries')
    .values([...unique].map(([id, event]) => ({ event_id: id, event })))
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .execute();
  return new Set(fresh.map((r) => r.event_id));
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
