import { type Logger, pino } from 'pino';

/** Paths never written to logs, whatever a call site passes. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'token',
  '*.token',
  'apiSecret',
  '*.apiSecret',
  'jwtSecret',
  '*.jwtSecret',
  'apiKeys',
  '*.apiKeys',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'signingSecret',
  '*.signingSecret',
];

const CENSOR = '[redacted]';

/** Query parameters whose values are credentials when a client puts them in a URL. */
const SENSITIVE_QUERY_KEY = /token|key|secret|password|passwd|jwt|auth|signature|sig$/i;

/** A URL as logged: query values of credential-like parameters are replaced, the rest is kept. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      let name = key;
      try {
        name = decodeURIComponent(key);
      } catch {
        // a malformed escape: match on the raw key
      }
      return eq !== -1 && SENSITIVE_QUERY_KEY.test(name) ? `${key}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

type RequestLike = {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
};

/** Fastify's request serializer, with credentials in the query string redacted. */
function serializeRequest(req: RequestLike) {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/**
 * golive's one logger. Without a destination it writes to stdout asynchronously (pino.destination
 * with sync: false): lines written in one event-loop turn go out in one write instead of one
 * synchronous write each, with no added delay. What is still queued is flushed at shutdown; a
 * kill -9 can lose the last lines, which are logs, not records (the audit log is in PostgreSQL).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      // Fastify keeps a logger instance's own serializers over its defaults.
      serializers: { req: serializeRequest },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
