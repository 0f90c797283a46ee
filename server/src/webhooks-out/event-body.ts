import type { WebhookEvent, WebhookSession } from '@golive/sdk';
import type { StoredEvent } from '../events/events.repository.ts';

/** The stable `webhook-id` of an event: the same on every retry, replay and endpoint. */
export function webhookMessageId(eventId: string): string {
  return `evt_${eventId}`;
}

/**
 * The Standard Webhooks body of one audit event. Built from the stored event alone (its sequence
 * and the session as it was then), so a retry or a replay sends the same bytes.
 */
export function webhookBody(event: StoredEvent): WebhookEvent {
  const session = (event.session ?? { id: event.sessionId }) as WebhookSession;
  return {
    type: event.type,
    timestamp: event.createdAt,
    data: {
      eventId: event.id,
      sequence: event.sequence,
      session,
      actor: event.actorId === null ? null : { id: event.actorId },
      target: event.targetId === null ? null : { id: event.targetId },
      reason: event.reason,
      details: event.data,
    },
  } as WebhookEvent;
}
