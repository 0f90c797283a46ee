import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams, UserIdSchema } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { ModerationService } from './moderation.service.ts';

const BanSchema = Type.Object(
  {
    userId: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    bannedBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: until lifted' }),
  },
  { $id: 'Ban', title: 'Ban' },
);

const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }), userId: UserIdSchema }, { additionalProperties: false });
const Reason = Type.String({ minLength: 1, maxLength: 500 });
const tags = ['moderation'];

/** Host, co-host and admin controls over participants. */
export const moderationRoutes: FastifyPluginAsyncTypebox<{ moderation: ModerationService }> = async (app, { moderation }) => {
  app.addSchema(BanSchema);

  app.post(
    '/sessions/:id/participants/:userId/mute',
    route({
      operationId: 'muteParticipant',
      summary: 'Mute a participant’s published audio, video or screen share (they unmute themselves)',
      tags,
      params: UserParams,
      body: Type.Object(
        { kind: Type.Union([Type.Literal('audio'), Type.Literal('video'), Type.Literal('screen')]) },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ mutedTracks: Type.Integer() }) },
      errors: [...refusalsOf('participant.mute'), 'participantNotConnected', 'trackNotFound', 'livekitUnavailable'],
    }),
    async (request) => moderation.mute(principalOf(request), request.params.id, request.params.userId, request.body.kind),
  );

  app.post(
    '/sessions/:id/participants/:userId/kick',
    route({
      operationId: 'kickParticipant',
      summary: 'Remove a participant from the room; they may join again, as a viewer (off the stage)',
      tags,
      params: UserParams,
      body: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
      response: { 204: Type.Null() },
      // LiveKit not answering is not an error here: the presence ledger decides (moderation.service.ts).
      errors: [...refusalsOf('participant.kick'), 'participantNotConnected'],
    }),
    async (request, reply) => {
      await moderation.kick(principalOf(request), request.params.id, request.params.userId, request.body.reason ?? null);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/sessions/:id/bans',
    route({
      operationId: 'banParticipant',
      summary: 'Ban a user from this session (optionally for a while): removed at once and kept out',
      tags,
      params: SessionIdParams,
      body: Type.Object(
        {
          userId: UserIdSchema,
          reason: Type.Optional(Reason),
          durationSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Omit for a ban until lifted' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Ref('Ban') },
      errors: refusalsOf('participant.ban'),
    }),
    async (request, reply) => {
      const { userId, reason, durationSec } = request.body;
      const ban = await moderation.ban(principalOf(request), request.params.id, userId, {
        reason: reason ?? null,
        durationSec: durationSec ?? null,
      });
      return reply.code(201).send(ban);
    },
  );

  app.get(
    '/sessions/:id/bans',
    route({
      operationId: 'listBans',
      summary: 'Active bans of this session (host, co-host or admin)',
      tags,
      params: SessionIdParams,
      response: { 200: Type.Object({ bans: Type.Array(Type.Ref('Ban')) }) },
      errors: refusalsOf('bans.list'),
    }),
    async (request) => ({ bans: await moderation.listBans(principalOf(request), request.params.id) }),
  );

  app.delete(
    '/sessions/:id/bans/:userId',
    route({
      operationId: 'unbanParticipant',
      summary: 'Lift a ban',
      tags,
      params: UserParams,
      response: { 204: Type.Null() },
      errors: [...refusalsOf('participant.unban'), 'banNotFound'],
    }),
    async (request, reply) => {
      await moderation.unban(principalOf(request), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );
};
