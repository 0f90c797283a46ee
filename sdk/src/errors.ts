import type { ErrorCode } from './generated/error-codes.ts';

/** Failures the client itself reports, when no error body came from golive. */
export type ClientErrorCode =
  /** The request never got an answer (server down, DNS, CORS, connection reset). status is 0. */
  | 'NETWORK_ERROR'
  /** An answer that is not golive's JSON (e.g. a proxy's HTML error page). status is the HTTP status. */
  | 'UNEXPECTED_RESPONSE';

/** A server code, a client code, or a code this SDK version does not know yet (still a string). */
export type GoliveErrorCode = ErrorCode | ClientErrorCode | (string & Record<never, never>);

export type GoliveErrorInit = {
  status: number;
  code: GoliveErrorCode;
  message: string;
  requestId?: string | undefined;
  details?: unknown;
  cause?: unknown;
};

/** Every failed call throws this. Switch on `code`, which is stable; `message` is for people. */
export class GoliveError extends Error {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly code: GoliveErrorCode;
  /** The server's request id: quote it when reporting a problem (it is in the server log). */
  readonly requestId: string | undefined;
  /** Extra detail from the server, e.g. the list of validation issues. */
  readonly details: unknown;

  constructor(init: GoliveErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GoliveError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
  }

  /** Builds the error from a non-2xx response and its (already parsed, if JSON) body. */
  static fromResponse(response: Response, body: unknown): GoliveError {
    if (isErrorBody(body)) {
      return new GoliveError({
        status: response.status,
        code: body.code,
        message: body.message,
        requestId: body.requestId,
        details: body.details,
      });
    }
    const text = typeof body === 'string' ? body.slice(0, 200) : '';
    return new GoliveError({
      status: response.status,
      code: 'UNEXPECTED_RESPONSE',
      message: `golive answered ${response.status} ${response.statusText} without an error body${text ? `: ${text}` : ''}`,
    });
  }
}

/** True for a GoliveError, optionally with the given code; works across duplicated SDK copies too. */
export function isGoliveError(error: unknown, code?: GoliveErrorCode): error is GoliveError {
  const named = error instanceof GoliveError || (error instanceof Error && error.name === 'GoliveError' && 'code' in error);
  return named && (code === undefined || (error as GoliveError).code === code);
}

function isErrorBody(body: unknown): body is { code: string; message: string; requestId?: string; details?: unknown } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { code?: unknown }).code === 'string' &&
    typeof (body as { message?: unknown }).message === 'string'
  );
}
