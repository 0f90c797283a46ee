// The HTTP plumbing under GoliveClient: the typed fetch client, the credentials every request
// carries, and the mapping of failures to GoliveError. The per-operation methods are in client.ts.
import createClient, { type Client } from 'openapi-fetch';
import { GoliveError } from './errors.ts';
import type { paths } from './generated/openapi.ts';

/** A user token, or a function that returns a fresh one; it is called before every request. */
export type TokenSource = string | (() => string | Promise<string>);

/** The user an API-key client acts for. */
export type ActAs = {
  /** Sent as X-Golive-User. */
  userId: string;
  /** Display name (X-Golive-User-Name); the server uses userId when absent. */
  name?: string;
  /** Role claim value (X-Golive-User-Role); the server's admin role (default "admin") makes the user an admin. */
  role?: string;
};

export type GoliveClientOptions = {
  /** golive's URL, e.g. "https://live.example.com"; "" means the page's own origin (browser only). */
  baseUrl: string;
  /** The host app's user token (browser or backend), sent as Authorization: Bearer. */
  token?: TokenSource;
  /** A server-to-server key, sent as X-Api-Key. Backends only: never ship it to a browser. */
  apiKey?: string;
  /** With apiKey: the user to act for. Without it, the key calls as the service itself. */
  actAs?: ActAs;
  /** The fetch to use; defaults to globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
};

export type RequestOptions = {
  /** Aborts the request; the call then rejects with the fetch AbortError, not a GoliveError. */
  signal?: AbortSignal;
};

type ApiResult<D> = { data?: D; error?: unknown; response: Response };
/** What one openapi-fetch call is given besides its path, query and body. */
export type CallInit = { headers: Record<string, string>; signal?: AbortSignal };

export type HttpTransport = {
  /** The typed client of golive's OpenAPI paths. */
  api: Client<paths>;
  /**
   * Runs one `api` call with the caller's credentials (when `authenticated`) and signal, and
   * returns its body; a failed answer or an unreachable server throws GoliveError.
   */
  send<D>(authenticated: boolean, requestOptions: RequestOptions | undefined, call: (init: CallInit) => Promise<ApiResult<D>>): Promise<D>;
};

/** Checks the credentials in `options` and returns the transport that sends them. */
export function createHttpTransport(options: GoliveClientOptions): HttpTransport {
  if (options.token !== undefined && options.apiKey !== undefined) {
    throw new TypeError('createGoliveClient: pass either token (a user) or apiKey (a backend), not both');
  }
  if (options.actAs && options.apiKey === undefined) {
    throw new TypeError('createGoliveClient: actAs needs apiKey; a user token already says who the user is');
  }
  if (options.actAs) assertHeaderSafe(options.actAs);
  const api = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });

  // Credentials go in headers only, never in the URL, so they stay out of access logs and history.
  async function credentialHeaders(): Promise<Record<string, string>> {
    if (options.apiKey !== undefined) {
      const headers: Record<string, string> = { 'x-api-key': options.apiKey };
      if (options.actAs) {
        headers['x-golive-user'] = options.actAs.userId;
        if (options.actAs.name !== undefined) headers['x-golive-user-name'] = options.actAs.name;
        if (options.actAs.role !== undefined) headers['x-golive-user-role'] = options.actAs.role;
      }
      return headers;
    }
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  async function send<D>(
    authenticated: boolean,
    requestOptions: RequestOptions | undefined,
    call: (init: CallInit) => Promise<ApiResult<D>>,
  ): Promise<D> {
    // Outside the try: a failing token provider is the app's own error and reaches it unchanged.
    const headers = authenticated ? await credentialHeaders() : {};
    let result: ApiResult<D>;
    try {
      result = await call(requestOptions?.signal ? { headers, signal: requestOptions.signal } : { headers });
    } catch (error) {
      throw transportError(error, options.baseUrl);
    }
    if (!result.response.ok) throw GoliveError.fromResponse(result.response, result.error);
    return result.data as D;
  }

  return { api, send };
}

function transportError(error: unknown, baseUrl: string): unknown {
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof SyntaxError) {
    return new GoliveError({
      status: 0,
      code: 'UNEXPECTED_RESPONSE',
      message: `golive sent a body that is not JSON: ${error.message}`,
      cause: error,
    });
  }
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new GoliveError({
    status: 0,
    code: 'NETWORK_ERROR',
    message: `could not reach golive at ${baseUrl || 'this origin'}: ${reason}`,
    cause: error,
  });
}

/** fetch only sends Latin-1 header values; say so up front instead of failing on the first request. */
function assertHeaderSafe(user: ActAs): void {
  for (const [field, value] of Object.entries(user)) {
    if (typeof value === 'string' && /[^\u0020-\u007e\u00a0-\u00ff]/.test(value)) {
      throw new TypeError(`actAs.${field} must be Latin-1 text without control characters (it is sent as an HTTP header)`);
    }
  }
}
