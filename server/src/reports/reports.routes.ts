import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { ReportsService } from './reports.service.ts';

const ReportSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sessionId: Type.String({ format: 'uuid' }),
    reporterId: Type.String(),
    messageId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    reason: Type.String(),
    status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
    createdAt: Type.String({ format: 'date-time' }),
    resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    resolvedBy: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Report', title: 'Report' },
);

export const reportsRoutes: FastifyPluginAsyncTypebox<{ reports: ReportsService }> = async (app, { reports }) => {
  app.addSchema(ReportSchema);

  app.post(
    '/sessions/:id/reports',
    route({
      operationId: 'reportSession',
      summary: 'Report a session or one of its chat messages; admins see open reports',
      tags: ['moderation'],
      params: SessionIdParams,
      body: Type.Object(
        {
          reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
          messageId: Type.Optional(Type.String({ format: 'uuid' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Ref('Report') },
      errors: [...refusalsOf('report.create'), 'messageNotFound'],
    }),
    async (request, reply) => reply.code(201).send(await reports.report(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/admin/reports',
    route({
      operationId: 'listReports',
      summary: 'Abuse reports, newest first (admins)',
      tags: ['admin'],
      querystring: Type.Object(
        {
          status: Type.Union([Type.Literal('open'), Type.Literal('resolved')], { default: 'open' }),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ reports: Type.Array(Type.Ref('Report')) }) },
      errors: ['notAdmin'],
    }),
    async (request) => ({ reports: await reports.list(principalOf(request), request.query) }),
  );

  app.post(
    '/admin/reports/:reportId/resolve',
    route({
      operationId: 'resolveReport',
      summary: 'Mark a report handled (admins)',
      tags: ['admin'],
      params: Type.Object({ reportId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      response: { 200: Type.Ref('Report') },
      errors: ['notAdmin', 'reportNotFound'],
    }),
    async (request) => reports.resolve(principalOf(request), request.params.reportId),
  );
};
