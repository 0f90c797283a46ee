import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { route } from '../http/route.ts';
import type { Authenticator } from './authenticator.ts';

const DEV_TOKEN_TTL_SEC = 12 * 3600;

export type DevLoginOptions = { authenticator: Authenticator };

/**
 * POST /v1/dev/login: a user token for local development, signed as the host app would sign it.
 * Registered only in dev mode, so it is a 404 everywhere else.
 */
export const devLoginRoutes: FastifyPluginAsyncTypebox<DevLoginOptions> = async (app, { authenticator }) => {
  app.post(
    '/dev/login',
    route({
      operationId: 'devLogin',
      summary: 'Dev mode only: sign in with a name and get a user token',
      tags: ['dev'],
      auth: 'none',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 60, pattern: '\\S' }),
          admin: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          token: Type.String(),
          user: Type.Object({ id: Type.String(), name: Type.String(), admin: Type.Boolean() }),
          expiresAt: Type.String({ format: 'date-time' }),
        }),
      },
    }),
    async (request) => {
      const name = request.body.name.trim();
      const admin = request.body.admin ?? false;
      // The same name always maps to the same user id, so a dev can sign in again as themselves.
      const slug =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 40) || 'user';
      const userId = `dev-${slug}-${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
      const token = await authenticator.issueDevToken({ userId, name, admin }, DEV_TOKEN_TTL_SEC);
      return {
        token,
        user: { id: userId, name, admin },
        expiresAt: new Date(Date.now() + DEV_TOKEN_TTL_SEC * 1000).toISOString(),
      };
    },
  );
};
