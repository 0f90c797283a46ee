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
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
