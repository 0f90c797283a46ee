// docs/events.md is the catalogue: one example per audit event type, in exactly the shape golive
// builds (the integration tests also hold every real delivery against it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@golive/sdk';
import { readCatalogue } from '../../test/events-catalogue.ts';
import { SESSION_EVENT_TYPES } from '../events/events.repository.ts';
import { webhookBody, webhookMessageId } from './event-body.ts';

describe('docs/events.md', () => {
  const catalogue = readCatalogue();

  it('has one example for every event type of the audit log, and none other', () => {
    assert.deepEqual([...catalogue.keys()].sort(), [...SESSION_EVENT_TYPES].sort());
  });

  it('matches the SDK’s typed payloads: the same event types', () => {
    assert.deepEqual([...WEBHOOK_EVENT_TYPES].sort(), [...SESSION_EVENT_TYPES].sort());
    // Compile-time: every audit type has a typed payload in the SDK.
    const typed: readonly WebhookEventType[] = SESSION_EVENT_TYPES;
    assert.equal(typed.length, SESSION_EVENT_TYPES.length);
  });

  it('shows each body exactly as golive builds it from the stored event', () => {
    for (const [type, example] of catalogue) {
      assert.equal(example.type, type);
      const { data } = example;
      const rebuilt = webhookBody({
        id: data.eventId,
        sessionId: data.session.id,
        type,
        actorId: data.actor?.id ?? null,
        targetId: data.target?.id ?? null,
        reason: data.reason,
        data: data.details as Record<string, unknown>,
        createdAt: example.timestamp,
        sequence: data.sequence,
        session: data.session,
      });
      assert.deepEqual(rebuilt, example, type);
      assert.equal(webhookMessageId(data.eventId), `evt_${data.eventId}`);
    }
  });
});
