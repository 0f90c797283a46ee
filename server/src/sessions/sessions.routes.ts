import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { SessionQueries } from './sessions.queries.ts';
import { CreateSessionBody, EndSessionBody, ExternalRefParams, ListSessionsQuery, SessionPage } from './sessions.schemas.ts';
import type { SessionsService } from './sessions.service.ts';

// No fields yet, so the body is optional; but a field such as "role" is refused, not ignored.
const JoinSessionBody = Type.Object({}, { additionalProperties: false, description: 'No fields yet: send {} or no body' });
const tags = ['sessions'];

export type SessionsRoutesOptions = {
  sessions: SessionsService;
  queries: SessionQueries;
  startsPerHour: number;
};

/** /v1/sessions: each handler is auth → validate (schema) → service (transaction, authorize) → present. */
export const sessionsRoutes: FastifyPluginAsyncTypebox<SessionsRoutesOptions> = async (app, { sessions, queries, startsPerHour }) => {
  app.post(
    '/sessions',
    route({
      operationId: 'createSession',
      summary: 'Start a live session; the caller becomes its host',
      tags,
      rateLimit: {
        max: startsPerHour,
        timeWindow: '1 hour',
        keyGenerator: (request) => `start:${request.principal?.userId ?? request.ip}`,
      },
      body: CreateSessionBody,
      response: { 201: Type.Ref('JoinGrant') },
      // The room is created in LiveKit before the session commits.
      errors: ['userRequired', 'hostAlreadyLive', 'startCooldown', 'externalRefLive', 'livekitUnavailable'],
    }),
    async (request, reply) => {
      const grant = await sessions.create(principalOf(request), request.body);
      return reply.code(201).send(grant);
    },
  );

  app.get(
    '/sessions',
    route({
      operationId: 'listSessions',
      summary: 'Sessions the caller may see, newest first (public ones, plus private ones they belong to)',
      tags,
      querystring: ListSessionsQuery,
      response: { 200: SessionPage },
    }),
    async (request) => queries.list(principalOf(request), request.query),
  );

  app.get(
    '/sessions/by-external-ref/:externalRef',
    route({
      operationId: 'getSessionByExternalRef',
      summary: 'The newest session for the app\'s reference, the live one first ("is task_123 live?")',
      tags,
      params: ExternalRefParams,
      response: { 200: Type.Ref('Session') },
      errors: refusalsOf('session.view'),
    }),
    async (request) => queries.getByExternalRef(principalOf(request), request.params.externalRef),
  );

  app.get(
    '/sessions/:id',
    route({
      operationId: 'getSession',
      summary: 'A session with its live viewer count',
      tags,
      params: SessionIdParams,
      response: { 200: Type.Ref('Session') },
      errors: refusalsOf('session.view'),
    }),
    async (request) => queries.get(principalOf(request), request.params.id),
  );

  app.post(
    '/sessions/:id/join',
    route({
      operationId: 'joinSession',
      summary: 'A short-lived LiveKit token with the grants of the caller’s role',
      tags,
      params: SessionIdParams,
      body: JoinSessionBody,
      response: { 200: Type.Ref('JoinGrant') },
      errors: refusalsOf('session.join'),
    }),
    async (request) => sessions.join(principalOf(request), request.params.id),
  );

  app.post(
    '/sessions/:id/end',
    // The body is optional (body-parsing.ts): a bare POST ends with the default reason.
    route({
      operationId: 'endSession',
      summary: 'End a session (host or admin); everyone is disconnected',
      tags,
      params: SessionIdParams,
      body: EndSessionBody,
      response: { 200: Type.Ref('Session') },
      errors: refusalsOf('session.end'),
    }),
    async (request) => sessions.endByUser(principalOf(request), request.params.id, request.body.reason),
  );
};
