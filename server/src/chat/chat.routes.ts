import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { ChatService } from './chat.service.ts';

const MessageParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), messageId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export type ChatRoutesOptions = { chat: ChatService };

/** Chat history and moderation. Sending happens over realtime (docs/realtime.md). */
export const chatRoutes: FastifyPluginAsyncTypebox<ChatRoutesOptions> = async (app, { chat }) => {
  app.get(
    '/sessions/:id/messages',
    route({
      operationId: 'listMessages',
      summary: 'Chat history, oldest first within a page; page backwards with `before`',
      tags: ['chat'],
      errors: refusalsOf('chat.read'),
      params: SessionIdParams,
      querystring: Type.Object(
        {
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'Return messages with seq below this' })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          messages: Type.Array(Type.Ref('ChatMessage')),
          nextBefore: Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as `before` for the previous page' }),
        }),
      },
    }),
    async (request) => {
      const { before, limit } = request.query;
      return chat.history(principalOf(request), request.params.id, { ...(before === undefined ? {} : { beforeSeq: before }), limit });
    },
  );

  app.delete(
    '/sessions/:id/messages/:messageId',
    route({
      operationId: 'deleteMessage',
      summary: 'Delete a message for everyone, live and in history (host, co-host or admin)',
      tags: ['chat'],
      params: MessageParams,
      response: { 204: Type.Null() },
      errors: [...refusalsOf('chat.moderate'), 'messageNotFound'],
    }),
    async (request, reply) => {
      await chat.delete(principalOf(request), request.params.id, request.params.messageId);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/sessions/:id/pin',
    route({
      operationId: 'pinMessage',
      summary: 'Pin one message; subscribers see it on join (host, co-host or admin)',
      tags: ['chat'],
      params: SessionIdParams,
      body: Type.Object({ messageId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ pinned: Type.Ref('ChatMessage') }) },
      errors: [...refusalsOf('chat.moderate'), 'messageNotFound'],
    }),
    async (request) => ({ pinned: await chat.pin(principalOf(request), request.params.id, request.body.messageId) }),
  );

  app.delete(
    '/sessions/:id/pin',
    route({
      operationId: 'unpinMessage',
      summary: 'Clear the pinned message (host, co-host or admin)',
      tags: ['chat'],
      params: SessionIdParams,
      response: { 204: Type.Null() },
      errors: refusalsOf('chat.moderate'),
    }),
    async (request, reply) => {
      await chat.pin(principalOf(request), request.params.id, null);
      return reply.code(204).send(null);
    },
  );
};
