import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { Errors } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** 'required' (default for /v1), 'optional' or 'none'. */
    auth?: 'required' | 'optional' | 'none';
  }
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** First step of every route: who is calling. Runs before validation, so 401 beats 400. */
export function registerAuthHook(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth ?? 'none';
    if (mode === 'none') return;
    const principal = await authenticator.authenticate({
      authorization: header(request, 'authorization'),
      apiKey: header(request, 'x-api-key'),
      actAsUser: header(request, 'x-golive-user'),
      actAsName: header(request, 'x-golive-user-name'),
      actAsRole: header(request, 'x-golive-user-role'),
    });
    if (!principal && mode === 'required') throw new Errors.unauthenticated();
    request.principal = principal;
  });
}

/** The caller of a route declared with auth: 'required'. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Errors.unauthenticated();
  return request.principal;
}
