import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { Errors } from '../errors.ts';

/** Where `npm run build -w web` writes the app. */
export const DEFAULT_WEB_DIST = resolve(import.meta.dirname, '../../../web/dist');

/** Paths that belong to the API and ops: an unknown one is a JSON 404, never the app's HTML. */
const SERVER_PATHS = ['/v1', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz'];

export type WebRoutesOptions = { distDir?: string };

/**
 * The web app's production build at `/`, with an SPA fallback: any other GET that is not an API
 * path and does not name a file gets index.html, so deep links like /watch/<id> load the app.
 * Nothing is registered when the build is missing (the API works the same without it).
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  if (!existsSync(resolve(distDir, 'index.html'))) {
    app.log.info({ distDir }, 'web app not built (npm run build -w web); serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    // One route per built file (found at start-up), so the fallback below sees every other path.
    wildcard: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders: (res, filePath) => {
      // Vite puts a content hash in every asset name; index.html must be re-read to find new ones.
      const immutable = filePath.startsWith(resolve(distDir, 'assets'));
      res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    if (SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`)) || lastSegment.includes('.')) {
      throw new Errors.routeNotFound(request.method, path);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
};
