import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { EmptyBody, SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { IngestService } from './ingest.service.ts';

const IngestCredentialsSchema = Type.Object(
  {
    whipUrl: Type.String({ description: 'The WHIP endpoint: OBS "Server" with Service WHIP; send the key as the Bearer token' }),
    streamKey: Type.String({
      description: 'The secret key, shown only in this answer; it stops working when rotated or when the session ends',
    }),
    rtmpUrl: Type.Union([Type.String(), Type.Null()], {
      description: 'The RTMP URL (the key is the stream name: <rtmpUrl>/<streamKey>); null when this golive offers no RTMP',
    }),
  },
  { $id: 'IngestCredentials', title: 'IngestCredentials' },
);

const tags = ['ingest'];
const MANAGE = refusalsOf('ingest.manage');

/** Going live from OBS or an encoder: the host's ingest of a session, and its stream key. */
export const ingestRoutes: FastifyPluginAsyncTypebox<{ ingest: IngestService }> = async (app, { ingest }) => {
  app.addSchema(IngestCredentialsSchema);

  app.post(
    '/sessions/:id/ingest',
    route({
      operationId: 'createIngest',
      summary: 'Stream from OBS or an encoder (host or admin): the WHIP URL, the RTMP URL and the stream key',
      tags,
      params: SessionIdParams,
      body: EmptyBody,
      response: { 201: Type.Ref('IngestCredentials') },
      errors: [...MANAGE, 'ingestExists'],
    }),
    async (request, reply) => reply.code(201).send(await ingest.create(principalOf(request), request.params.id)),
  );

  app.post(
    '/sessions/:id/ingest/rotate',
    route({
      operationId: 'rotateIngestKey',
      summary: 'A new stream key (host or admin); the old one stops working at once and its publish is stopped',
      tags,
      params: SessionIdParams,
      body: EmptyBody,
      response: { 200: Type.Ref('IngestCredentials') },
      errors: [...MANAGE, 'ingestNotFound'],
    }),
    async (request) => ingest.rotate(principalOf(request), request.params.id),
  );

  app.delete(
    '/sessions/:id/ingest',
    route({
      operationId: 'deleteIngest',
      summary: 'Removes the ingest (host or admin): its key stops working and its publish is stopped',
      tags,
      params: SessionIdParams,
      response: { 204: Type.Null() },
      errors: [...MANAGE, 'ingestNotFound'],
    }),
    async (request, reply) => {
      await ingest.remove(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
