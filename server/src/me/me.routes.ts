import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Errors } from '../errors.ts';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';

const MeSchema = Type.Object(
  {
    id: Type.String({ description: 'The user id (the JWT sub, or X-Golive-User)' }),
    name: Type.String({ description: 'Display name (the name claim, else the id)' }),
    admin: Type.Boolean({ description: 'Whether golive treats the caller as an admin (AUTH_ROLE_CLAIM contains AUTH_ADMIN_ROLE)' }),
  },
  { $id: 'Me', title: 'Me' },
);

/**
 * GET /v1/me: the caller as golive sees them, so clients never read claim names themselves
 * (the role claim is a server setting, AUTH_ROLE_CLAIM).
 */
export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(MeSchema);
  app.get(
    '/me',
    route({
      operationId: 'getMe',
      summary: 'The caller as golive sees them: id, name and whether they are an admin',
      tags: ['auth'],
      response: { 200: Type.Ref('Me') },
      errors: ['userRequired'],
    }),
    async (request) => {
      const principal = principalOf(request);
      // The host app's backend itself (an API key acting for no user) is nobody to describe.
      if (principal.kind !== 'user') throw new Errors.userRequired();
      return { id: principal.userId, name: principal.name, admin: principal.isAdmin };
    },
  );
};
