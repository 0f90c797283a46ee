import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import { PlatformStatsQuery, PlatformStatsSchema, SessionStatsSchema } from './stats.schemas.ts';
import type { StatsService } from './stats.service.ts';

export const statsRoutes: FastifyPluginAsyncTypebox<{ stats: StatsService }> = async (app, { stats }) => {
  app.addSchema(SessionStatsSchema);
  app.addSchema(PlatformStatsSchema);

  app.get(
    '/sessions/:id/stats',
    route({
      operationId: 'getSessionStats',
      summary: "A session's analytics, live while it runs and kept after it ends (host, co-hosts, admins)",
      tags: ['analytics'],
      params: SessionIdParams,
      response: { 200: Type.Ref('SessionStats') },
      errors: refusalsOf('session.stats'),
    }),
    async (request) => stats.session(principalOf(request), request.params.id),
  );

  app.get(
    '/admin/stats',
    route({
      operationId: 'getPlatformStats',
      summary: 'Platform analytics over a time window (admins, or the app’s API key)',
      tags: ['admin', 'analytics'],
      querystring: PlatformStatsQuery,
      response: { 200: Type.Ref('PlatformStats') },
      errors: ['notAdmin'],
    }),
    async (request) => stats.platform(principalOf(request), request.query),
  );
};
