import type { FastifyPluginAsync } from 'fastify';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { Errors } from '../errors.ts';
import { route } from '../http/route.ts';
import type { WebhooksService } from './webhooks.service.ts';

export type WebhookRoutesOptions = { livekit: LivekitAdapter; webhooks: WebhooksService };

/**
 * POST /v1/livekit/webhook. The body is kept as the raw string LiveKit signed: the signature
 * covers those exact bytes, so it is never parsed and re-serialized before verification.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, { livekit, webhooks }) => {
  app.addContentTypeParser(['application/webhook+json', 'application/json'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.post(
    '/livekit/webhook',
    // No body schema: the body is the raw string the parser above keeps, checked by its signature.
    route({
      operationId: 'receiveLivekitWebhook',
      summary: 'LiveKit webhook receiver (signed by LiveKit with the API secret)',
      tags: ['webhooks'],
      auth: 'none',
      response: {
        200: {
          type: 'object',
          properties: { result: { type: 'string', enum: ['applied', 'duplicate', 'ignored'] } },
          required: ['result'],
        },
      },
      errors: ['webhookSignatureInvalid'],
    }),
    async (request) => {
      const receivedAt = Date.now();
      const raw = typeof request.body === 'string' ? request.body : '';
      let event: Awaited<ReturnType<LivekitAdapter['receiveWebhook']>>;
      try {
        event = await livekit.receiveWebhook(raw, request.headers.authorization);
      } catch (error) {
        webhooks.noteRejected();
        throw new Errors.webhookSignatureInvalid(error instanceof Error ? error.message : 'rejected');
      }
      return { result: await webhooks.ingest(event, receivedAt) };
    },
  );
};
