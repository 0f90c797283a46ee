import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { SessionQueries } from '../sessions/sessions.queries.ts';

const SessionEventSchema = Type.Object(
  {
    id: Type.String({ description: 'Monotonic id; pass as `after` to page' }),
    sessionId: Type.String({ format: 'uuid' }),
    type: Type.String({ description: 'e.g. live.session.started' }),
    actorId: Type.Union([Type.String(), Type.Null()]),
    targetId: Type.Union([Type.String(), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SessionEvent', title: 'SessionEvent' },
);

const EventsQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

export type EventsRoutesOptions = { queries: SessionQueries };

export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRoutesOptions> = async (app, { queries }) => {
  app.addSchema(SessionEventSchema);
  app.get(
    '/sessions/:id/events',
    route({
      operationId: 'listSessionEvents',
      summary: 'The append-only audit log of a session (host and admins)',
      tags: ['events'],
      params: SessionIdParams,
      querystring: EventsQuery,
      response: {
        200: Type.Object({ events: Type.Array(Type.Ref('SessionEvent')), nextAfter: Type.Union([Type.String(), Type.Null()]) }),
      },
      errors: refusalsOf('session.events'),
    }),
    async (request) => {
      const { after, limit } = request.query;
      const events = await queries.listEvents(principalOf(request), request.params.id, { after: after ?? null, limit });
      return { events, nextAfter: events.length === limit ? (events.at(-1)?.id ?? null) : null };
    },
  );
};
