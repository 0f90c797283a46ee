import type { RateLimitOptions } from '@fastify/rate-limit';
import type { TSchema } from 'typebox';
import { Type } from 'typebox';
import { Errors } from '../errors.ts';
import { authenticated } from './schemas.ts';

type ErrorName = keyof typeof Errors;
type Auth = 'required' | 'optional' | 'none';

/**
 * What a route is, stated once: its operation, who may call it, its input and output, and the
 * error codes it can answer. `route()` turns that into Fastify's options; the OpenAPI security,
 * the error responses (status codes with the codes each can carry) and `x-error-codes` derive
 * from it, and the error handler (error-handler.ts) holds each answer to `x-error-codes`.
 */
export type RouteFacts<P extends TSchema, Q extends TSchema, B extends TSchema, R extends Record<number, TSchema>> = {
  operationId: string;
  summary: string;
  tags: string[];
  /** Default 'required' (every /v1 route but a few). */
  auth?: Auth;
  /**
   * The OpenAPI security of a route that checks a credential of its own (WHIP's stream key), with
   * auth: 'none'; its refusals are in `errors`.
   */
  security?: Array<Record<string, string[]>>;
  /** A limit of its own (@fastify/rate-limit, registered with global: false): adds RATE_LIMITED. */
  rateLimit?: RateLimitOptions;
  /** Left out of /openapi.json: the ops endpoints and signed file URLs, which are not the API. */
  hide?: boolean;
  params?: P;
  querystring?: Q;
  /**
   * A JSON body. A route that reads another content type (WHIP's SDP, the LiveKit webhook's raw
   * JSON) has no body schema: its plugin registers the content-type parser, and the route checks
   * what it reads, declaring the codes of those checks.
   */
  body?: B;
  /** The success answers by status. */
  response: R;
  /** What the handler, its service and the policy can refuse with (names in server/src/errors.ts). */
  errors?: readonly ErrorName[];
};

/**
 * Every authenticated route can answer these, before its handler runs (authenticator.ts): a
 * missing or rejected credential, a JWKS that cannot be read, a malformed X-Golive-User (400).
 */
const AUTH_ERRORS: readonly ErrorName[] = ['unauthenticated', 'invalidToken', 'invalidApiKey', 'authUnavailable', 'validationFailed'];

const codeAndStatus = (name: ErrorName) => {
  const error = new Errors[name]();
  return { code: error.code, status: error.statusCode ?? 500 };
};

/** The codes an operation answers, by HTTP status. */
export function errorCodesOf(
  facts: Pick<RouteFacts<TSchema, TSchema, TSchema, never>, 'auth' | 'errors' | 'rateLimit'> & { hasInput: boolean },
) {
  const names = new Set<ErrorName>(facts.errors ?? []);
  if ((facts.auth ?? 'required') !== 'none') for (const name of AUTH_ERRORS) names.add(name);
  if (facts.hasInput) names.add('validationFailed');
  // What the body parser and limit answer first (INVALID_JSON, 413, 415) is declared for every
  // method that takes a body, with or without a schema, by openapi.ts (declared-codes.ts).
  if (facts.rateLimit) names.add('rateLimited');
  const byStatus = new Map<number, string[]>();
  for (const name of names) {
    const { code, status } = codeAndStatus(name);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code].sort());
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

export function route<
  P extends TSchema = TSchema,
  Q extends TSchema = TSchema,
  B extends TSchema = TSchema,
  R extends Record<number, TSchema> = Record<number, TSchema>,
>(facts: RouteFacts<P, Q, B, R>) {
  const auth = facts.auth ?? 'required';
  const byStatus = errorCodesOf({
    ...facts,
    hasInput: Boolean(facts.params || facts.querystring || facts.body),
  });
  const errorResponses = Object.fromEntries(
    [...byStatus].map(([status, codes]) => [status, Type.Ref('Error', { description: codes.join(', ') })]),
  ) as Record<number, ReturnType<typeof Type.Ref>>;
  const security = facts.security ?? (auth === 'none' ? undefined : authenticated);
  return {
    config: { auth, ...(facts.rateLimit ? { rateLimit: facts.rateLimit } : {}) },
    schema: {
      operationId: facts.operationId,
      summary: facts.summary,
      tags: facts.tags,
      ...(facts.hide ? { hide: true } : {}),
      ...(security ? { security } : {}),
      'x-error-codes': [...byStatus.values()].flat().sort(),
      // Only the parts the route has: Fastify warns about a part given as undefined.
      ...(facts.params ? { params: facts.params } : {}),
      ...(facts.querystring ? { querystring: facts.querystring } : {}),
      ...(facts.body ? { body: facts.body } : {}),
      response: { ...facts.response, ...errorResponses } as R & typeof errorResponses,
    } as {
      operationId: string;
      summary: string;
      tags: string[];
      'x-error-codes': string[];
      params: P;
      querystring: Q;
      body: B;
      response: R & typeof errorResponses;
    },
  };
}
