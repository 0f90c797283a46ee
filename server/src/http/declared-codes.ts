import type { FastifyRequest } from 'fastify';

/** Methods whose requests go through the content-type parser and the body limit (openapi.ts documents 413 and 415 on each). */
export const METHODS_WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/**
 * What the parser and the body limit answer before any handler runs, whatever the route declares,
 * by status: openapi.ts declares them on every operation whose method takes a body.
 */
export const BODY_PIPELINE_CODES: Readonly<Record<string, string>> = {
  INVALID_JSON: '400',
  BODY_TOO_LARGE: '413',
  UNSUPPORTED_MEDIA_TYPE: '415',
};

/** Any route can fail unexpectedly; the answer then says nothing more than this. */
const ANY_ROUTE_CODES = new Set(['INTERNAL']);

/** An answer whose code its route does not declare: a bug in the route's declaration (route.ts). */
export type UndeclaredCode = { method: string; route: string; code: string };

/**
 * The codes the request's route declares (route.ts's `x-error-codes`), or null when it was not
 * declared through route(): no route matched (ROUTE_NOT_FOUND, or the router refused the URL),
 * or a plugin's route (Swagger UI, the web app's files).
 */
function declaredCodesOf(request: FastifyRequest): readonly string[] | null {
  const schema = request.routeOptions.schema as { 'x-error-codes'?: unknown } | undefined;
  const codes = schema?.['x-error-codes'];
  return Array.isArray(codes) ? (codes as string[]) : null;
}

/** The answered code, when the request's route declares its codes and this is not one of them. */
export function undeclaredCode(request: FastifyRequest, code: string): UndeclaredCode | null {
  const declared = declaredCodesOf(request);
  if (declared === null || declared.includes(code) || ANY_ROUTE_CODES.has(code)) return null;
  const method = request.method.toLowerCase();
  if (METHODS_WITH_BODY.has(method) && code in BODY_PIPELINE_CODES) return null;
  return { method: request.method, route: request.routeOptions.url ?? request.url, code };
}
