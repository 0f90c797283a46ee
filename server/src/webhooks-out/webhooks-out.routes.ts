import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { EmptyBody } from '../http/schemas.ts';
import {
  CreateEndpointBody,
  DeliveriesQuery,
  DeliveryIdParams,
  EndpointIdParams,
  ReplayBody,
  UpdateEndpointBody,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from './webhooks-out.schemas.ts';
import type { WebhooksOutService } from './webhooks-out.service.ts';

const tags = ['webhooks'];
/** An endpoint the API manages: it must exist, and not come from GOLIVE_WEBHOOK_URL. */
const MANAGED = ['notAdmin', 'webhookEndpointNotFound', 'webhookEndpointFromEnv'] as const;

/** Events to the app: the admin API for endpoints and deliveries (platform admins, or the API key alone). */
export const webhooksOutRoutes: FastifyPluginAsyncTypebox<{ webhooksOut: WebhooksOutService }> = async (app, { webhooksOut }) => {
  app.addSchema(WebhookEndpointSchema);
  app.addSchema(WebhookEndpointWithSecretSchema);
  app.addSchema(WebhookDeliverySchema);

  app.post(
    '/admin/webhook-endpoints',
    route({
      operationId: 'createWebhookEndpoint',
      summary: 'Add an endpoint that receives signed events; its secret is shown only here and at rotation',
      tags,
      body: CreateEndpointBody,
      response: { 201: Type.Ref('WebhookEndpointWithSecret') },
      errors: ['notAdmin', 'webhookUrlRefused'],
    }),
    async (request, reply) => reply.code(201).send(await webhooksOut.create(principalOf(request), request.body)),
  );

  app.get(
    '/admin/webhook-endpoints',
    route({
      operationId: 'listWebhookEndpoints',
      summary: 'The webhook endpoints, from the API and from GOLIVE_WEBHOOK_URL',
      tags,
      response: { 200: Type.Object({ items: Type.Array(Type.Ref('WebhookEndpoint')) }) },
      errors: ['notAdmin'],
    }),
    async (request) => ({ items: await webhooksOut.list(principalOf(request)) }),
  );

  app.patch(
    '/admin/webhook-endpoints/:id',
    route({
      operationId: 'updateWebhookEndpoint',
      summary: 'Change the URL, the event types (null: all) or whether it is enabled',
      tags,
      params: EndpointIdParams,
      body: UpdateEndpointBody,
      response: { 200: Type.Ref('WebhookEndpoint') },
      errors: [...MANAGED, 'webhookUrlRefused'],
    }),
    async (request) => webhooksOut.update(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/admin/webhook-endpoints/:id',
    route({
      operationId: 'deleteWebhookEndpoint',
      summary: 'Remove the endpoint and its pending deliveries',
      tags,
      params: EndpointIdParams,
      response: { 204: Type.Null() },
      errors: MANAGED,
    }),
    async (request, reply) => {
      await webhooksOut.remove(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/webhook-endpoints/:id/rotate-secret',
    route({
      operationId: 'rotateWebhookSecret',
      summary: 'A new secret; the old one signs too until previousSecretExpiresAt (24 h by default)',
      tags,
      params: EndpointIdParams,
      body: EmptyBody,
      response: { 200: Type.Ref('WebhookEndpointWithSecret') },
      errors: MANAGED,
    }),
    async (request) => webhooksOut.rotate(principalOf(request), request.params.id),
  );

  app.post(
    '/admin/webhook-endpoints/:id/replay',
    route({
      operationId: 'replayWebhookEvents',
      summary: 'Send the events of a time range again, with their original webhook-ids',
      tags,
      params: EndpointIdParams,
      body: ReplayBody,
      response: { 202: Type.Object({ replayed: Type.Integer() }) },
      errors: ['notAdmin', 'webhookEndpointNotFound', 'webhookEndpointDisabled', 'replayRangeInvalid', 'replayTooLarge'],
    }),
    async (request, reply) => reply.code(202).send(await webhooksOut.replay(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/admin/webhook-deliveries',
    route({
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log, newest first: each attempt with its status code, duration, error and next attempt',
      tags,
      querystring: DeliveriesQuery,
      response: {
        200: Type.Object({ items: Type.Array(Type.Ref('WebhookDelivery')), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
      },
      errors: ['notAdmin'],
    }),
    async (request) => webhooksOut.deliveries(principalOf(request), request.query),
  );

  app.post(
    '/admin/webhook-deliveries/:id/retry',
    route({
      operationId: 'retryWebhookDelivery',
      summary: 'Try one delivery again now, with the whole retry schedule',
      tags,
      params: DeliveryIdParams,
      body: EmptyBody,
      response: { 202: Type.Ref('WebhookDelivery') },
      // Its endpoint must still exist and be enabled.
      errors: ['notAdmin', 'webhookDeliveryNotFound', 'webhookEndpointNotFound', 'webhookEndpointDisabled'],
    }),
    async (request, reply) => reply.code(202).send(await webhooksOut.retry(principalOf(request), request.params.id)),
  );
};
