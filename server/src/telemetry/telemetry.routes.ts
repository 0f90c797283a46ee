import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { ClientMetrics } from './telemetry.metrics.ts';
import { TelemetryReportSchema } from './telemetry.schemas.ts';
import type { TelemetryService } from './telemetry.service.ts';

export type TelemetryRoutesOptions = { telemetry: TelemetryService; metrics: ClientMetrics; reportsPerMinute: number };

/** How each answer counts in golive_telemetry_reports_total. */
function resultOf(status: number): string {
  if (status < 300) return 'accepted';
  if (status === 429) return 'rate_limited';
  if (status === 400) return 'invalid';
  return status < 500 ? 'refused' : 'error';
}

export const telemetryRoutes: FastifyPluginAsyncTypebox<TelemetryRoutesOptions> = async (app, { telemetry, metrics, reportsPerMinute }) => {
  app.post(
    '/sessions/:id/telemetry',
    {
      ...route({
        operationId: 'sendTelemetry',
        summary: "Report this client's WebRTC stats for the last interval (every 10 s while watching or publishing)",
        tags: ['analytics'],
        // Per user, whatever the session: a flood from one client cannot drown the others.
        rateLimit: {
          max: reportsPerMinute,
          timeWindow: '1 minute',
          keyGenerator: (request) => `telemetry:${request.principal?.userId ?? request.ip}`,
        },
        params: SessionIdParams,
        body: TelemetryReportSchema,
        response: { 204: Type.Null() },
        // A session that ended more than a grace period ago; a report whose figures do not add up.
        errors: [...refusalsOf('telemetry.send'), 'sessionEnded', 'validationFailed'],
      }),
      onResponse: async (_request, reply) => {
        metrics.reports.inc({ result: resultOf(reply.statusCode) });
      },
    },
    async (request, reply) => {
      await telemetry.report(principalOf(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );
};
