// Builds golive's OpenAPI document in-process, without listening and without LiveKit (no request
// reaches a handler that uses it). The database is a throwaway PGlite one unless a PostgreSQL URL
// is given (tests pass one: PGlite's start-up costs seconds). Generation is a dev step, so Node APIs are fine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config/config.ts';
import { Errors } from '../../server/src/errors.ts';
import { createLogger } from '../../server/src/logger.ts';
import { createServices } from '../../server/src/services.ts';

/** golive's /openapi.json as dev mode serves it (dev mode adds devLogin, which the SDK exposes). */
export async function buildOpenApiDocument(options: { databaseUrl?: string } = {}): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'golive-openapi-'));
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const logger = createLogger('silent', silent);
  try {
    const config = loadConfig({
      GOLIVE_MODE: 'dev',
      GOLIVE_DATA_DIR: dataDir,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      // An address nothing listens on: building the document never talks to LiveKit.
      LIVEKIT_URL: 'http://127.0.0.1:9',
      LIVEKIT_API_KEY: 'openapi-generation',
      LIVEKIT_API_SECRET: 'openapi-generation-secret-not-used-0123456789',
      AUTH_JWT_SECRET: 'openapi-generation-secret-not-used-0123456789',
      GOLIVE_API_KEYS: 'openapi-generation-key-not-used-0123456789',
      LOG_LEVEL: 'silent',
    });
    const services = await createServices(config, logger);
    try {
      const app = await buildApp({ config, services, logger });
      try {
        const res = await app.inject({ method: 'GET', url: '/openapi.json' });
        if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
        return res.json();
      } finally {
        await app.close();
      }
    } finally {
      await services.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every stable error code the server defines, with its HTTP status, sorted by code. */
export function errorCodes(): Array<{ code: string; status: number }> {
  return Object.values(Errors)
    .map((ErrorType) => {
      const error = new ErrorType();
      return { code: error.code, status: error.statusCode ?? 500 };
    })
    .sort((a, b) => a.code.localeCompare(b.code));
}
