import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Emitter } from '@socket.io/redis-emitter';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LocalStorage } from './adapters/storage-local.ts';
import { devLoginRoutes } from './auth/dev-login.routes.ts';
import { chatRoutes } from './chat/chat.routes.ts';
import type { Config } from './config/config.ts';
import { Errors } from './errors.ts';
import { eventsRoutes } from './events/events.routes.ts';
import { registerAuthHook } from './http/auth-hook.ts';
import { registerBodyParsing } from './http/body-parsing.ts';
import { registerContractComponents } from './http/components.ts';
import { frameworkErrors, MAX_PARAM_LENGTH, registerErrorHandling } from './http/error-handler.ts';
import { openapiDocumentOptions } from './http/openapi.ts';
import { OneLinePerRequest } from './http/request-logging.ts';
import { route } from './http/route.ts';
import { ErrorSchema } from './http/schemas.ts';
import { registerValidation } from './http/validation.ts';
import { ingestRoutes } from './ingest/ingest.routes.ts';
import { WHIP_CORS, WHIP_PATH, whipRoutes } from './ingest/whip.routes.ts';
import { meRoutes } from './me/me.routes.ts';
import { moderationRoutes } from './moderation/moderation.routes.ts';
import { opsRoutes } from './ops/ops.routes.ts';
import { createRealtimeServer } from './realtime/realtime.server.ts';
import { recordingsRoutes } from './recordings/recordings.routes.ts';
import { reportsRoutes } from './reports/reports.routes.ts';
import type { Services } from './services.ts';
import { sessionsRoutes } from './sessions/sessions.routes.ts';
import { JoinGrantSchema } from './sessions/sessions.schemas.ts';
import { settingsRoutes } from './sessions/settings.routes.ts';
import { stageRoutes } from './stage/stage.routes.ts';
import { statsRoutes } from './stats/stats.routes.ts';
import { filesRoutes } from './storage/files.routes.ts';
import { telemetryRoutes } from './telemetry/telemetry.routes.ts';
import { registerWebApp } from './web/web.routes.ts';
import { webhookRoutes } from './webhooks/webhooks.routes.ts';
import { webhooksOutRoutes } from './webhooks-out/webhooks-out.routes.ts';

export type BuildAppOptions = {
  config: Config;
  services: Services;
  logger: Logger;
};

/** The web role: the /v1 API, LiveKit webhooks, the OpenAPI document and the web app. */
async function registerWebRole(app: FastifyInstance, config: Config, services: Services): Promise<void> {
  await app.register(
    async (v1) => {
      if (config.auth.devLogin) await v1.register(devLoginRoutes, { authenticator: services.authenticator });
      await v1.register(meRoutes);
      await v1.register(sessionsRoutes, {
        sessions: services.sessions,
        queries: services.queries,
        startsPerHour: config.sessions.startsPerHour,
      });
      await v1.register(settingsRoutes, { sessions: services.sessions });
      await v1.register(eventsRoutes, { queries: services.queries });
      await v1.register(chatRoutes, { chat: services.chat });
      await v1.register(stageRoutes, { stage: services.stage });
      await v1.register(moderationRoutes, { moderation: services.moderation });
      await v1.register(reportsRoutes, { reports: services.reports });
      await v1.register(statsRoutes, { stats: services.stats });
      await v1.register(telemetryRoutes, {
        telemetry: services.telemetry,
        metrics: services.metrics.client,
        reportsPerMinute: config.telemetry.reportsPerMinute,
      });
      await v1.register(ingestRoutes, { ingest: services.ingest });
      await v1.register(recordingsRoutes, { recordings: services.recordings });
      await v1.register(whipRoutes, {
        proxy: services.whip,
        livekit: services.livekit,
        resolveStreamKey: (key) => services.ingest.resolveStreamKey(key),
        postsPerMinute: config.ingest.whipPostsPerMinute,
      });
      await v1.register(webhookRoutes, { livekit: services.livekit, webhooks: services.webhooks });
      if (services.storage instanceof LocalStorage) await v1.register(filesRoutes, { storage: services.storage });
      await v1.register(webhooksOutRoutes, { webhooksOut: services.webhooksOut });
    },
    { prefix: '/v1' },
  );
  app.get(
    '/openapi.json',
    route({ operationId: 'getOpenapiDocument', summary: 'This document', tags: ['ops'], auth: 'none', hide: true, response: {} }),
    async () => app.swagger(),
  );
  await registerWebApp(app);
}

/** Builds the HTTP app around already-wired services. It does not listen: main does. */
export async function buildApp({ config, services, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generics.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    trustProxy: config.mode === 'production',
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    logController: new OneLinePerRequest(),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerValidation(app);
  registerErrorHandling(app, { onUndeclared: (undeclared) => services.metrics.undeclaredErrorCodes.inc(undeclared) });
  registerBodyParsing(app);

  await app.register(helmet, { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } });
  // WHIP from any origin: a stream key is a bearer secret, never a cookie, so there is nothing for
  // another site to ride on; everything else follows CORS_ORIGINS. If-Match in, and Location, ETag
  // and Link out, are what a browser WHIP client needs (RFC 9725).
  const allowedHeaders = [...new Set(['authorization', 'content-type', 'x-request-id', ...WHIP_CORS.allowedHeaders])];
  await app.register(cors, {
    delegator: async (request: FastifyRequest) =>
      request.url.startsWith(`/v1${WHIP_PATH}`)
        ? { origin: true, methods: WHIP_CORS.methods, allowedHeaders, exposedHeaders: WHIP_CORS.exposedHeaders }
        : { origin: config.corsOrigins, allowedHeaders, exposedHeaders: WHIP_CORS.exposedHeaders },
  });
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    ...(services.redis ? { redis: services.redis, nameSpace: 'golive:ratelimit:' } : {}),
    errorResponseBuilder: (_request, context) => {
      const error = new Errors.rateLimited(context.after);
      return Object.assign(error, { statusCode: context.statusCode });
    },
  });
  await app.register(swagger, {
    // Components named by $id (stable client type names), plus what the pipeline adds to every route.
    ...openapiDocumentOptions,
    openapi: {
      openapi: '3.1.0',
      info: { title: 'golive', version: '0.1.0', description: 'Live video sessions for any app, on LiveKit.' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The host app's user token" },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Api-Key',
            description: 'Server-to-server key; add X-Golive-User to act for a user',
          },
          streamKey: { type: 'http', scheme: 'bearer', description: "An ingest's stream key (createIngest), for WHIP encoders" },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorSchema);
  registerContractComponents(app);
  app.addSchema(JoinGrantSchema);

  registerAuthHook(app, services.authenticator);
  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) request.log.warn({ statusCode: reply.statusCode, url: request.routeOptions.url }, 'request failed');
  });

  await app.register(opsRoutes, { db: services.db, livekit: services.livekit, metrics: services.metrics });
  if (config.roles.has('web')) await registerWebRole(app, config, services);
  if (config.roles.has('realtime')) {
    const realtime = createRealtimeServer(app.server, {
      authenticator: services.authenticator,
      work: services.work,
      factsCache: services.factsCache,
      chat: services.chat,
      reactions: services.reactions,
      broadcaster: services.broadcaster,
      ingest: services.ingest,
      recordings: services.recordings,
      redis: services.redis,
      logger: logger.child({ component: 'realtime' }),
      corsOrigins: config.corsOrigins,
    });
    // preClose: sockets must be gone before the HTTP server waits for its connections to end.
    app.addHook('preClose', async () => realtime.close());
  } else if (services.redis) {
    // No Socket.IO here: events are published through Redis to the realtime instances.
    services.broadcaster.attach(new Emitter(services.redis));
    app.addHook('preClose', async () => services.broadcaster.detach());
  }
  return app;
}
