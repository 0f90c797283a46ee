import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, errorResponses, SessionIdParams } from '../http/schemas.ts';
import type { SessionsService } from './sessions.service.ts';
import { SettingsPatchSchema } from './settings.ts';

export type SettingsRoutesOptions = { sessions: SessionsService };

export const settingsRoutes: FastifyPluginAsyncTypebox<SettingsRoutesOptions> = async (app, { sessions }) => {
  app.patch(
    '/sessions/:id/settings',
    {
      config: { auth: 'required' },
      schema: {
        operationId: 'updateSessionSettings',
        summary: 'Change session settings live (host, co-host or admin); subscribers are told at once',
        tags: ['sessions'],
        security: authenticated,
        params: SessionIdParams,
        body: SettingsPatchSchema,
        response: { 200: Type.Ref('SessionSettings'), ...errorResponses(400, 401, 403, 404, 410) },
      },
    },
    async (request) => sessions.updateSettings(principalOf(request), request.params.id, request.body),
  );
};
