import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorBody, Errors } from '../errors.ts';
import { type UndeclaredCode, undeclaredCode } from './declared-codes.ts';

type ValidationIssue = {
  instancePath: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
};

/** Longest path parameter the router accepts; longer ones are a VALIDATION_FAILED, like any bad param. */
export const MAX_PARAM_LENGTH = 256;

/**
 * For Fastify({ frameworkErrors }): URLs the router rejects before any route runs (bad percent
 * encoding, a parameter over MAX_PARAM_LENGTH) get the same body shape and a stable code.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? `params: a path parameter is longer than ${MAX_PARAM_LENGTH} characters`
      : 'params: the URL path is not valid percent-encoding';
  void send(reply, request, 400, 'VALIDATION_FAILED', message);
}

export type ErrorHandlingOptions = {
  /** Told of each answer whose code its route does not declare (declared-codes.ts), after it is logged. */
  onUndeclared?: (undeclared: UndeclaredCode) => void;
};

type Answer = { status: number; code: string; message: string; details?: unknown };

/**
 * Maps every failure to one body shape with a stable code; 5xx details stay in the log. A code
 * the route does not declare is answered all the same (clients switch on codes, and the code is
 * still true) but logged as the route's bug and counted (golive_undeclared_error_codes_total).
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  app.setNotFoundHandler((request, reply) => {
    const error = new Errors.routeNotFound(request.method, request.url.split('?')[0]);
    void send(reply, request, error.statusCode ?? 404, error.code, error.message);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = answerOf(error, request);
    const undeclared = undeclaredCode(request, answer.code);
    if (undeclared) {
      request.log.error({ ...undeclared, operationId: operationIdOf(request) }, 'answered an error code its route does not declare');
      options.onUndeclared?.(undeclared);
    }
    return send(reply, request, answer.status, answer.code, answer.message, answer.details);
  });
}

function answerOf(error: FastifyError, request: FastifyRequest): Answer {
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const issues = collapseAlternatives(error.validation as ValidationIssue[]).map((issue) => describeIssue(part, issue));
    return { status: 400, code: 'VALIDATION_FAILED', message: issues.join('; '), details: issues };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'INVALID_JSON', message: new Errors.invalidJson(error.message).message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: new Errors.unsupportedMediaType().message };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'BODY_TOO_LARGE', message: new Errors.bodyTooLarge(request.routeOptions.bodyLimit).message };
  }
  if (error instanceof SyntaxError) {
    return { status: 400, code: 'INVALID_JSON', message: new Errors.invalidJson(error.message).message };
  }
  const status = error.statusCode ?? 500;
  if (status < 500 && error.code) return { status, code: error.code, message: error.message };
  if (status === 503 && error.code) {
    request.log.warn({ err: error }, 'dependency unavailable');
    return { status: 503, code: error.code, message: error.message };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, code: 'INTERNAL', message: 'internal error; the request id is in the server log' };
}

function operationIdOf(request: FastifyRequest): string | undefined {
  return (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
}

/**
 * ajv reports a failed `anyOf` (TypeBox unions such as mode: 'broadcast' | 'interactive') as one
 * error per branch plus the anyOf itself; one issue listing the allowed values says what to fix.
 */
function collapseAlternatives(issues: ValidationIssue[]): ValidationIssue[] {
  const unions = issues.filter((issue) => issue.keyword === 'anyOf' && issue.schemaPath);
  if (unions.length === 0) return issues;
  const branchOf = (issue: ValidationIssue) => unions.find((u) => issue !== u && issue.schemaPath?.startsWith(`${u.schemaPath}/`));
  const result: ValidationIssue[] = [];
  for (const issue of issues) {
    if (branchOf(issue)) continue;
    if (!unions.includes(issue)) {
      result.push(issue);
      continue;
    }
    const branches = issues.filter((other) => branchOf(other) === issue);
    const allowed = branches.flatMap((b) =>
      b.keyword === 'enum' ? (b.params?.allowedValues as unknown[]) : b.keyword === 'const' ? [b.params?.allowedValue] : [],
    );
    const message =
      branches.length > 0 && branches.every((b) => b.keyword === 'enum' || b.keyword === 'const')
        ? `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
        : `must match one of: ${[...new Set(branches.map((b) => b.message))].join(' | ')}`;
    result.push({ ...issue, message });
  }
  return result;
}

function describeIssue(part: string, issue: ValidationIssue): string {
  const path = `${part}${issue.instancePath.replaceAll('/', '.')}`;
  if (issue.params && 'additionalProperty' in issue.params) {
    return `${path} has unknown field "${String(issue.params.additionalProperty)}"`;
  }
  // The pattern \S is how schemas say "not blank"; ajv would print the regex.
  if (issue.keyword === 'pattern' && issue.params?.pattern === '\\S') return `${path} must not be blank`;
  return `${path} ${issue.message ?? 'is not valid'}`;
}

function send(reply: FastifyReply, request: FastifyRequest, statusCode: number, code: string, message: string, details?: unknown) {
  const body: ErrorBody = {
    statusCode,
    code,
    error: httpReason(statusCode),
    message,
    requestId: request.id,
    ...(details === undefined ? {} : { details }),
  };
  return reply.code(statusCode).type('application/json').send(body);
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    410: 'Gone',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return reasons[status] ?? 'Error';
}
