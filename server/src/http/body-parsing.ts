import type { FastifyInstance } from 'fastify';

/**
 * How golive reads request bodies:
 * - JSON only. Fastify also parses text/plain by default, which would turn a wrong content type
 *   into a confusing "body must be object"; without that parser it is a clear 415. (The LiveKit
 *   webhook route registers its own raw-body parsers.)
 * - A body that {} satisfies may be left out: it is read as {}. The OpenAPI
 *   document says the same (see openapi.ts), so clients need not send `{}` to end a session.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && bodyMayBeOmitted(request.routeOptions.schema?.body)) request.body = {};
  });
}

/** True when {} satisfies a body schema for sure: an object with nothing required and no combinators. */
export function bodyMayBeOmitted(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as Record<string, unknown>;
  if (s.type !== 'object') return false;
  if (Array.isArray(s.required) && s.required.length > 0) return false;
  if (typeof s.minProperties === 'number' && s.minProperties > 0) return false;
  return !['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref', 'dependentRequired', 'dependentSchemas'].some((k) => k in s);
}
