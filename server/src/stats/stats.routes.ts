import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, errorResponses, SessionIdParams } from '../http/schemas.ts';
import { PlatformStatsQuery, PlatformStatsSchema, SessionStatsSchema } from './stats.schemas.ts';
import type { StatsService } from './stats.service.ts';

export const statsRoutes: FastifyPluginAsyncTypebox<{ stats: StatsService }> = async (app, { stats }) => {
  app.addSchema(SessionStatsSchema);
  app.addSchema(PlatformStatsSchema);

  app.get(
    '/sessions/:id/stats',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'getSessionStats',
        summary: "A session's analytics, live while it runs and kept after it ends (host, co-hosts, admins)",
        tags: ['analytics'],
        security: authenticated,
        params: SessionIdParams,
        response: { 200: Type.Ref('SessionStats'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => stats.session(principalOf(request), request.params.id),
  );

  app.get(
    '/admin/stats',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'getPlatformStats',
        summary: 'Platform analytics over a time window (admins, or the app’s API key)',
        tags: ['admin', 'analytics'],
        security: authenticated,
        querystring: PlatformStatsQuery,
        response: { 200: Type.Ref('PlatformStats'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => stats.platform(principalOf(request), request.query),
  );
};
