import type { FastifyInstance } from 'fastify';

/**
 * golive speaks JSON. Fastify also parses text/plain by default, which would turn a wrong
 * content type into a confusing "body must be object"; without that parser it is a clear 415.
 * (The LiveKit webhook route registers its own raw-body parsers.)
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
}
