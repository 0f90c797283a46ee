import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, errorResponses, SessionIdParams } from '../http/schemas.ts';
import type { SessionQueries } from './sessions.queries.ts';
import { CreateSessionBody, EndSessionBody, ExternalRefParams, ListSessionsQuery, SessionPage } from './sessions.schemas.ts';
import type { SessionsService } from './sessions.service.ts';

// No fields yet, so the body is optional; but a field such as "role" is refused, not ignored.
const JoinSessionBody = Type.Object({}, { additionalProperties: false, description: 'No fields yet: send {} or no body' });

export type SessionsRoutesOptions = {
  sessions: SessionsService;
  queries: SessionQueries;
  startsPerHour: number;
};

/** /v1/sessions: each handler is auth → validate (schema) → service (transaction, authorize) → present. */
export const sessionsRoutes: FastifyPluginAsyncTypebox<SessionsRoutesOptions> = async (app, { sessions, queries, startsPerHour }) => {
  app.post(
    '/sessions',
    {
      config: {
        auth: 'required',
        rateLimit: {
          max: startsPerHour,
          timeWindow: '1 hour',
          keyGenerator: (request) => `start:${request.principal?.userId ?? request.ip}`,
        },
      },
      schema: {
        operationId: 'createSession',
        summary: 'Start a live session; the caller becomes its host',
        tags: ['sessions'],
        security: authenticated,
        body: CreateSessionBody,
        response: { 201: Type.Ref('JoinGrant'), ...errorResponses(400, 401, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const grant = await sessions.create(principalOf(request), request.body);
      return reply.code(201).send(grant);
    },
  );

  app.get(
    '/sessions',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'listSessions',
        summary: 'Sessions the caller may see, newest first (public ones, plus private ones they belong to)',
        tags: ['sessions'],
        security: authenticated,
        querystring: ListSessionsQuery,
        response: { 200: SessionPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => queries.list(principalOf(request), request.query),
  );

  app.get(
    '/sessions/by-external-ref/:externalRef',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'getSessionByExternalRef',
        summary: 'The newest session for the app\'s reference, the live one first ("is task_123 live?")',
        tags: ['sessions'],
        security: authenticated,
        params: ExternalRefParams,
        response: { 200: Type.Ref('Session'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => queries.getByExternalRef(principalOf(request), request.params.externalRef),
  );

  app.get(
    '/sessions/:id',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'getSession',
        summary: 'A session with its live viewer count',
        tags: ['sessions'],
        security: authenticated,
        params: SessionIdParams,
        response: { 200: Type.Ref('Session'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => queries.get(principalOf(request), request.params.id),
  );

  app.post(
    '/sessions/:id/join',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'joinSession',
        summary: 'A short-lived LiveKit token with the grants of the caller’s role',
        tags: ['sessions'],
        security: authenticated,
        params: SessionIdParams,
        body: JoinSessionBody,
        response: { 200: Type.Ref('JoinGrant'), ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (request) => sessions.join(principalOf(request), request.params.id),
  );

  app.post(
    '/sessions/:id/end',
    {
      config: { auth: 'required' },
      // The body is optional (body-parsing.ts): a bare POST ends with the default reason.
      schema: {
        operationId: 'endSession',
        summary: 'End a session (host or admin); everyone is disconnected',
        tags: ['sessions'],
        security: authenticated,
        params: SessionIdParams,
        body: EndSessionBody,
        response: { 200: Type.Ref('Session'), ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (request) => sessions.endByUser(principalOf(request), request.params.id, request.body.reason),
  );
};
