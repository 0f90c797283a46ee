// golive's app for the unit tier: the real buildApp and createServices, driven with Fastify's
// inject() (no port), on in-memory ports: PGlite in a throwaway directory for the database, no
// Redis, and a LiveKit address nothing listens on (a test here must not reach a handler that
// calls LiveKit; the integration tier covers those). Same config loader as production.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logger.ts';
import { createServices, type Services } from '../src/services.ts';
import { TEST_API_KEY, TEST_JWT_SECRET } from './harness.ts';
import type { CallOptions, ContractResponse } from './openapi-validator.ts';
import { OpenapiContract, type OpenapiDocument } from './openapi-validator.ts';
import { assertAllDeclared, undeclaredAnswers } from './undeclared-codes.ts';

export class UnitApp {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly config: Config;
  readonly contract: OpenapiContract;
  readonly #dataDir: string;

  private constructor(app: FastifyInstance, services: Services, config: Config, contract: OpenapiContract, dataDir: string) {
    this.app = app;
    this.services = services;
    this.config = config;
    this.contract = contract;
    this.#dataDir = dataDir;
  }

  static async start(env: Record<string, string> = {}): Promise<UnitApp> {
    const dataDir = mkdtempSync(join(tmpdir(), 'golive-unit-'));
    const logger = createLogger('silent', new Writable({ write: (_chunk, _encoding, callback) => callback() }));
    const config = loadConfig({
      GOLIVE_MODE: 'dev',
      GOLIVE_DATA_DIR: dataDir,
      LIVEKIT_URL: 'http://127.0.0.1:9',
      LIVEKIT_API_KEY: 'unit-tier',
      LIVEKIT_API_SECRET: 'unit-tier-livekit-secret-never-used-0123456789',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      GOLIVE_API_KEYS: TEST_API_KEY,
      RTMP_PORT: '0',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const services = await createServices(config, logger);
    const app = await buildApp({ config, services, logger });
    const document = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (document.statusCode !== 200) throw new Error(`GET /openapi.json answered ${document.statusCode}`);
    return new UnitApp(app, services, config, new OpenapiContract(document.json() as OpenapiDocument), dataDir);
  }

  /** A request through inject(), its answer checked against /openapi.json like ContractClient's. */
  async call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<ContractResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
    if (options.actAs) headers['x-golive-user'] = options.actAs.userId;
    if (options.actAs?.role) headers['x-golive-user-role'] = options.actAs.role;
    let payload: string | undefined;
    if (options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.raw !== undefined) {
      payload = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    const res = await this.app.inject({ method: method as 'GET', url: path, headers, ...(payload === undefined ? {} : { payload }) });
    const contentType = (res.headers['content-type'] as string | undefined) ?? null;
    const body = res.body && contentType?.startsWith('application/json') ? (JSON.parse(res.body) as unknown) : null;
    const { operationId } = this.contract.assertResponse({ method, path, status: res.statusCode, contentType, body });
    return { status: res.statusCode, body: body as T, text: res.body, contentType, operationId };
  }

  /** The same call as TestStack.request, so a test moves between the tiers by its set-up alone. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T }> {
    const res = await this.call<T>(method, path, {
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body === undefined ? {} : { json: options.body }),
    });
    return { status: res.status, body: res.body };
  }

  /** Fails, once closed, when a route answered a code it does not declare (see TestStack.stopApp). */
  async close(): Promise<void> {
    const undeclared = await undeclaredAnswers(this.services);
    await this.app.close();
    await this.services.close();
    rmSync(this.#dataDir, { recursive: true, force: true });
    assertAllDeclared(undeclared);
  }
}
