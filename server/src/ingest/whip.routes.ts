import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { Errors } from '../errors.ts';
import { route } from '../http/route.ts';
import type { IngestTarget } from './ingest.repository.ts';
import { ingestIdentity, ingestTokenRequest } from './ingest-participant.ts';
import { SDP_CONTENT_TYPE, SDP_FRAGMENT_CONTENT_TYPE, type WhipProxy, type WhipResource } from './whip-proxy.ts';

export type { IngestTarget } from './ingest.repository.ts';

export type WhipRoutesOptions = {
  proxy: WhipProxy;
  livekit: Pick<LivekitAdapter, 'mintToken'>;
  /** The ingest a stream key opens, or null for a wrong, rotated-out or ended one. */
  resolveStreamKey: (streamKey: string) => Promise<IngestTarget | null>;
  /** Offers (POST) per client address per minute, where @fastify/rate-limit is registered. */
  postsPerMinute?: number;
};

/** Where golive serves WHIP (under /v1): encoders are given <public URL>/v1/ingest/whip. */
export const WHIP_PATH = '/ingest/whip';

/** What CORS must allow so a browser WHIP client can publish and read the answer's headers. */
export const WHIP_CORS: { methods: string[]; allowedHeaders: string[]; exposedHeaders: string[] } = {
  methods: ['POST', 'PATCH', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['authorization', 'content-type', 'if-match'],
  exposedHeaders: ['location', 'etag', 'link'],
};

const ResourceParams = Type.Object(
  { resourceId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

/** Every request carries the stream key, checked before anything else (targetOf). */
const STREAM_KEY = { auth: 'none' as const, security: [{ streamKey: [] }] };
const KEY_REFUSALS = ['unauthenticated', 'invalidStreamKey'] as const;

const text = (contentType: string, description: string) => ({
  description,
  content: { [contentType]: { schema: { type: 'string' } } },
});

/**
 * The WHIP endpoint an encoder (OBS ≥ 30, a browser) publishes to: POST /ingest/whip with
 * `Authorization: Bearer <streamKey>`, then PATCH and DELETE on the Location it answers. The
 * stream key is checked on every request; golive mints a short-lived LiveKit token for the
 * host's ingest participant each time and forwards the exchange to LiveKit.
 */
export const whipRoutes: FastifyPluginAsync<WhipRoutesOptions> = async (app, { proxy, livekit, resolveStreamKey, postsPerMinute = 30 }) => {
  // Every body is read as text so that a wrong content type gets WHIP's own 415, not the JSON one.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const targetOf = async (request: FastifyRequest): Promise<IngestTarget> => {
    const header = request.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!key) throw new Errors.unauthenticated();
    const target = await resolveStreamKey(key);
    if (!target) throw new Errors.invalidStreamKey();
    return target;
  };
  const tokenFor = (target: IngestTarget) => livekit.mintToken(ingestTokenRequest({ ...target, protocol: 'whip' }));
  const resourceOf = async (target: IngestTarget, id: string): Promise<WhipResource> => {
    const resource = await proxy.find(id);
    // Another session's resource is answered like a missing one: a key reveals nothing else.
    if (!resource || resource.sessionId !== target.sessionId || resource.ingestId !== target.ingestId)
      throw new Errors.whipResourceNotFound(id);
    return resource;
  };
  const requireContentType = (request: FastifyRequest, expected: string, what: string) => {
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== expected) throw new Errors.whipContentType(what, expected);
    return typeof request.body === 'string' ? request.body : '';
  };

  app.post(
    WHIP_PATH,
    route({
      operationId: 'publishWhip',
      summary: 'WHIP publish: an SDP offer in, the SDP answer out (Authorization: Bearer <streamKey>)',
      tags: ['ingest'],
      ...STREAM_KEY,
      // Per address: a client trying keys is slowed down whatever keys it tries.
      rateLimit: { max: postsPerMinute, timeWindow: '1 minute', keyGenerator: (request) => `whip:${request.ip}` },
      response: { 201: text(SDP_CONTENT_TYPE, 'The SDP answer; Location names the WHIP session') },
      // The key can be rotated out while LiveKit answers (INVALID_STREAM_KEY then too).
      errors: [...KEY_REFUSALS, 'whipContentType', 'whipOfferRejected', 'livekitUnavailable'],
    }),
    async (request, reply) => {
      const target = await targetOf(request);
      const offer = requireContentType(request, SDP_CONTENT_TYPE, 'offer');
      const answer = await proxy.publish({
        sessionId: target.sessionId,
        ingestId: target.ingestId,
        keyId: target.keyId,
        identity: ingestIdentity(target.hostId),
        token: await tokenFor(target),
        offer,
      });
      reply.code(201).header('content-type', SDP_CONTENT_TYPE).header('location', answer.location);
      if (answer.etag) reply.header('etag', answer.etag);
      if (answer.links.length > 0) reply.header('link', answer.links);
      return answer.answer;
    },
  );

  app.patch(
    `${WHIP_PATH}/:resourceId`,
    route({
      operationId: 'patchWhip',
      summary: 'WHIP trickle ICE (If-Match: <ETag>) or ICE restart (If-Match: *)',
      tags: ['ingest'],
      ...STREAM_KEY,
      params: ResourceParams,
      response: {
        200: text(SDP_FRAGMENT_CONTENT_TYPE, 'ICE restart: the answer fragment; ETag is the new ICE session'),
        204: { description: 'Candidates applied', type: 'null' },
      },
      errors: [
        ...KEY_REFUSALS,
        'whipResourceNotFound',
        'whipContentType',
        'whipIfMatchRequired',
        'whipOfferRejected',
        'livekitUnavailable',
      ],
    }),
    async (request, reply) => {
      const target = await targetOf(request);
      const { resourceId } = request.params as { resourceId: string };
      const resource = await resourceOf(target, resourceId);
      const fragment = requireContentType(request, SDP_FRAGMENT_CONTENT_TYPE, 'ICE fragment');
      const ifMatch = request.headers['if-match'];
      if (!ifMatch) throw new Errors.whipIfMatchRequired();
      const result = await proxy.patch(resource, { token: await tokenFor(target), fragment, ifMatch });
      if (result.status === 204) return reply.code(204).send();
      reply.code(200).header('content-type', SDP_FRAGMENT_CONTENT_TYPE);
      if (result.etag) reply.header('etag', result.etag);
      return result.fragment;
    },
  );

  app.delete(
    `${WHIP_PATH}/:resourceId`,
    route({
      operationId: 'stopWhip',
      summary: 'Ends a WHIP publish',
      tags: ['ingest'],
      ...STREAM_KEY,
      params: ResourceParams,
      response: { 200: { description: 'Stopped', type: 'null' } },
      // LiveKit's 400 to the DELETE is passed on as WHIP_OFFER_REJECTED (whip-proxy.ts).
      errors: [...KEY_REFUSALS, 'whipResourceNotFound', 'whipOfferRejected', 'livekitUnavailable'],
    }),
    async (request, reply) => {
      const target = await targetOf(request);
      const { resourceId } = request.params as { resourceId: string };
      const resource = await resourceOf(target, resourceId);
      await proxy.stop(resource, await tokenFor(target));
      return reply.code(200).send();
    },
  );
};
