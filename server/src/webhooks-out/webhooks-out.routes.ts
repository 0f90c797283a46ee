import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, EmptyBody, errorResponses } from '../http/schemas.ts';
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

const admin = { config: { auth: 'required' as const } };
const common = { tags: ['webhooks'], security: authenticated };

/** Events to the app: the admin API for endpoints and deliveries (platform admins, or the API key alone). */
export const webhooksOutRoutes: FastifyPluginAsyncTypebox<{ webhooksOut: WebhooksOutService }> = async (app, { webhooksOut }) => {
  app.addSchema(WebhookEndpointSchema);
  app.addSchema(WebhookEndpointWithSecretSchema);
  app.addSchema(WebhookDeliverySchema);

  app.post(
    '/admin/webhook-endpoints',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'createWebhookEndpoint',
        summary: 'Add an endpoint that receives signed events; its secret is shown only here and at rotation',
        body: CreateEndpointBody,
        response: { 201: Type.Ref('WebhookEndpointWithSecret'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooksOut.create(principalOf(request), request.body)),
  );

  app.get(
    '/admin/webhook-endpoints',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'listWebhookEndpoints',
        summary: 'The webhook endpoints, from the API and from GOLIVE_WEBHOOK_URL',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('WebhookEndpoint')) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await webhooksOut.list(principalOf(request)) }),
  );

  app.patch(
    '/admin/webhook-endpoints/:id',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'updateWebhookEndpoint',
        summary: 'Change the URL, the event types (null: all) or whether it is enabled',
        params: EndpointIdParams,
        body: UpdateEndpointBody,
        response: { 200: Type.Ref('WebhookEndpoint'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => webhooksOut.update(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/admin/webhook-endpoints/:id',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'deleteWebhookEndpoint',
        summary: 'Remove the endpoint and its pending deliveries',
        params: EndpointIdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await webhooksOut.remove(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/webhook-endpoints/:id/rotate-secret',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'rotateWebhookSecret',
        summary: 'A new secret; the old one signs too until previousSecretExpiresAt (24 h by default)',
        params: EndpointIdParams,
        body: EmptyBody,
        response: { 200: Type.Ref('WebhookEndpointWithSecret'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => webhooksOut.rotate(principalOf(request), request.params.id),
  );

  app.post(
    '/admin/webhook-endpoints/:id/replay',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'replayWebhookEvents',
        summary: 'Send the events of a time range again, with their original webhook-ids',
        params: EndpointIdParams,
        body: ReplayBody,
        response: { 202: Type.Object({ replayed: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooksOut.replay(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/admin/webhook-deliveries',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log, newest first: each attempt with its status code, duration, error and next attempt',
        querystring: DeliveriesQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('WebhookDelivery')), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => webhooksOut.deliveries(principalOf(request), request.query),
  );

  app.post(
    '/admin/webhook-deliveries/:id/retry',
    {
      ...admin,
      schema: {
        ...common,
        operationId: 'retryWebhookDelivery',
        summary: 'Try one delivery again now, with the whole retry schedule',
        params: DeliveryIdParams,
        body: EmptyBody,
        response: { 202: Type.Ref('WebhookDelivery'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooksOut.retry(principalOf(request), request.params.id)),
  );
};
