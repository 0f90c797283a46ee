import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { SessionsService } from './sessions.service.ts';
import { SettingsPatchSchema } from './settings.ts';

export type SettingsRoutesOptions = { sessions: SessionsService };

export const settingsRoutes: FastifyPluginAsyncTypebox<SettingsRoutesOptions> = async (app, { sessions }) => {
  app.patch(
    '/sessions/:id/settings',
    route({
      operationId: 'updateSessionSettings',
      summary: 'Change session settings live (host, co-host or admin); subscribers are told at once',
      tags: ['sessions'],
      params: SessionIdParams,
      body: SettingsPatchSchema,
      response: { 200: Type.Ref('SessionSettings') },
      errors: refusalsOf('session.settings'),
    }),
    async (request) => sessions.updateSettings(principalOf(request), request.params.id, request.body),
  );
};
