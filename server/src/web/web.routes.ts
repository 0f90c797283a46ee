import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build -w web` writes the app. */
export const DEFAULT_WEB_DIST = resolve(import.meta.dirname, '../../../web/dist');

/** Paths that belong to the API and ops: an unknown one stays a JSON 404, never the app's HTML. */
const SERVER_PATHS = ['/v1', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz'];

export type WebAppOptions = { distDir?: string };

/**
 * Serves the web app's production build at `/`, with an SPA fallback: a GET that matched no route,
 * is not an API path and does not name a file gets index.html, so deep links like /watch/<id>
 * load the app. The fallback hooks into the 404 path instead of adding a catch-all route, so the
 * router answers API URLs exactly as it does without the app. Nothing is added when the build is
 * missing.
 */
export async function registerWebApp(app: FastifyInstance, options: WebAppOptions = {}): Promise<void> {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  if (!existsSync(resolve(distDir, 'index.html'))) {
    app.log.info({ distDir }, 'web app not built (npm run build -w web); serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    // One route per built file, found at start-up; everything else reaches the 404 path below.
    wildcard: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders: (res, filePath) => {
      // Vite puts a content hash in every asset name; index.html must be re-read to find new ones.
      const immutable = filePath.startsWith(resolve(distDir, 'assets'));
      res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    const path = request.url.split('?')[0] ?? '/';
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    if (SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`)) || lastSegment.includes('.')) return;
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
