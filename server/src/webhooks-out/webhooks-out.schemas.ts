import { Type } from 'typebox';
import { SESSION_EVENT_TYPES } from '../events/events.repository.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

const EventType = Type.Union(
  SESSION_EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: 'An audit event type (docs/events.md)' },
);

const EventTypes = Type.Array(EventType, { minItems: 1, maxItems: SESSION_EVENT_TYPES.length * 2 });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL the events are POSTed to' });
const Description = Type.String({ maxLength: 500 });

const endpointFields = {
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  description: Nullable(Type.String()),
  eventTypes: Type.Union([Type.Array(EventType), Type.Null()], { description: 'null: every event type' }),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.String({ description: 'Why golive or an admin disabled it' })),
  disabledAt: Nullable(DateTime),
  fromEnv: Type.Boolean({ description: 'From GOLIVE_WEBHOOK_URL: only enabled can change here' }),
  failingSince: Nullable(DateTime),
  previousSecretExpiresAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const WebhookEndpointSchema = Type.Object(endpointFields, { $id: 'WebhookEndpoint', title: 'WebhookEndpoint' });

export const WebhookEndpointWithSecretSchema = Type.Object(
  { ...endpointFields, secret: Type.String({ description: 'whsec_…: shown only at creation and at rotation' }) },
  { $id: 'WebhookEndpointWithSecret', title: 'WebhookEndpointWithSecret' },
);

export const WebhookDeliverySchema = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]+$' }),
    endpointId: Type.String({ format: 'uuid' }),
    eventId: Type.String(),
    webhookId: Type.String({ description: 'The webhook-id header: the same on every retry and replay' }),
    eventType: Type.String(),
    sessionId: Type.String({ format: 'uuid' }),
    replay: Type.Boolean(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    createdAt: DateTime,
    finishedAt: Nullable(DateTime),
    nextAttemptAt: Nullable(DateTime),
    lastError: Nullable(Type.String()),
    attempts: Type.Array(
      Type.Object({
        attempt: Type.Integer(),
        attemptedAt: DateTime,
        statusCode: Nullable(Type.Integer()),
        durationMs: Type.Integer(),
        error: Nullable(Type.String()),
        nextAttemptAt: Nullable(DateTime),
      }),
    ),
  },
  { $id: 'WebhookDelivery', title: 'WebhookDelivery' },
);

export const EndpointIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const DeliveryIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,19}$' }) }, { additionalProperties: false });

export const CreateEndpointBody = Type.Object(
  { url: Url, eventTypes: Type.Optional(EventTypes), description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    eventTypes: Type.Optional(Nullable(EventTypes)),
    enabled: Type.Optional(Type.Boolean()),
    description: Type.Optional(Nullable(Description)),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const DeliveriesQuery = Type.Object(
  {
    endpointId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')])),
    eventType: Type.Optional(EventType),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$', description: 'nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const ReplayBody = Type.Object(
  { since: DateTime, until: Type.Optional(DateTime), eventTypes: Type.Optional(EventTypes) },
  { additionalProperties: false },
);
