import { AssertionError } from 'node:assert';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CommonJS; its default export arrives wrapped under verbatimModuleSyntax.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
type ResponseObject = { description?: string; content?: Record<string, { schema?: Json }> };
export type OperationObject = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Json }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, ResponseObject>;
};
export type OpenapiDocument = Json & {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Json> };
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi.json';

/** A JSON pointer into the document, as a URI fragment ajv can resolve. */
const pointer = (...segments: string[]) =>
  `${DOCUMENT_ID}#/${segments.map((s) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

type Template = { path: string; segments: Array<{ literal: string } | { param: string }>; regex: RegExp };

/**
 * The OpenAPI document as a test oracle (Owncast style: every API response is checked against
 * it). Given a method, a concrete path and a status, it finds the documented operation and
 * validates the JSON body with ajv's 2020-12 dialect (OpenAPI 3.1's), resolving $refs to
 * components/schemas inside the same document.
 */
export class OpenapiContract {
  readonly document: OpenapiDocument;
  /** "operationId status" pairs seen by assertResponse, to report coverage. */
  readonly seen = new Set<string>();
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #templates: Template[];

  constructor(document: OpenapiDocument) {
    this.document = document;
    this.#ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
    this.#ajv.addSchema(document, DOCUMENT_ID);
    this.#templates = Object.keys(document.paths).map(parseTemplate);
  }

  static async load(baseUrl: string): Promise<OpenapiContract> {
    const res = await fetch(`${baseUrl}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    return new OpenapiContract((await res.json()) as OpenapiDocument);
  }

  /** Every documented operation, with its path template and method. */
  operations(): Array<{ path: string; method: string; operation: OperationObject }> {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]) => ({ path, method, operation })),
    );
  }

  operationById(operationId: string): { path: string; method: string; operation: OperationObject } {
    const found = this.operations().find((o) => o.operation.operationId === operationId);
    if (!found) throw new AssertionError({ message: `no operation ${operationId} in /openapi.json` });
    return found;
  }

  /** The documented path template a concrete path is routed to; static segments win, as in Fastify's router. */
  matchPath(path: string): string | null {
    const candidates = this.#templates.filter((t) => t.regex.test(path));
    candidates.sort((a, b) => {
      for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
        const aStatic = 'literal' in (a.segments[i] ?? {});
        const bStatic = 'literal' in (b.segments[i] ?? {});
        if (aStatic !== bStatic) return aStatic ? -1 : 1;
      }
      return 0;
    });
    return candidates[0]?.path ?? null;
  }

  /**
   * Throws unless the response is one the document promises: a documented status for that
   * operation, the documented media type, and a body valid against the documented schema.
   * Paths or methods with no route must be a 404 in the Error shape.
   */
  assertResponse(exchange: { method: string; path: string; status: number; contentType: string | null; body: unknown }): {
    operationId: string | null;
  } {
    const method = exchange.method.toLowerCase();
    const pathOnly = exchange.path.split('?')[0] ?? exchange.path;
    const template = this.matchPath(pathOnly);
    const operation = template ? this.document.paths[template]?.[method] : undefined;
    const where = `${exchange.method} ${exchange.path} → ${exchange.status}`;
    if (!template || !operation) {
      if (exchange.status !== 404) throw new AssertionError({ message: `${where}: undocumented route answered other than 404` });
      this.#assertBody(where, { $ref: pointer('components', 'schemas', 'Error') }, 'Error', exchange.body);
      return { operationId: null };
    }
    const operationId = operation.operationId ?? `${method} ${template}`;
    const response = operation.responses?.[String(exchange.status)];
    if (!response) {
      throw new AssertionError({
        message: `${where}: status ${exchange.status} is not documented for ${operationId} (documented: ${Object.keys(operation.responses ?? {}).join(', ')}); body: ${JSON.stringify(exchange.body)}`,
      });
    }
    this.seen.add(`${operationId} ${exchange.status}`);
    const json = response.content?.['application/json'];
    if (!json?.schema) return { operationId };
    if (!exchange.contentType?.startsWith('application/json')) {
      throw new AssertionError({ message: `${where}: content-type is ${exchange.contentType}, the document says application/json` });
    }
    const key = pointer('paths', template, method, 'responses', String(exchange.status), 'content', 'application/json', 'schema');
    this.#assertBody(where, { $ref: key }, key, exchange.body);
    if (exchange.status >= 400) {
      const statusCode = (exchange.body as { statusCode?: unknown }).statusCode;
      if (statusCode !== exchange.status) {
        throw new AssertionError({ message: `${where}: error body says statusCode ${String(statusCode)}` });
      }
    }
    return { operationId };
  }

  /** Validates a value against a component schema, e.g. validate('Session', value); returns ajv's errors. */
  validateComponent(name: string, value: unknown): string[] {
    const validate = this.#compile(pointer('components', 'schemas', name), { $ref: pointer('components', 'schemas', name) });
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }

  #assertBody(where: string, schema: Json, key: string, body: unknown): void {
    const validate = this.#compile(key, schema);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} (${e.schemaPath})`);
      throw new AssertionError({
        message: `${where}: body does not match the document:\n  ${errors.join('\n  ')}\nbody: ${JSON.stringify(body)}`,
      });
    }
  }

  #compile(key: string, schema: Json): ValidateFunction {
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = this.#ajv.compile(schema);
      this.#validators.set(key, validate);
    }
    return validate;
  }
}

function parseTemplate(path: string): Template {
  const segments = path
    .split('/')
    .slice(1)
    .map((s): Template['segments'][number] => (/^\{.+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
  const pattern = segments.map((s) => ('literal' in s ? escapeRegex(s.literal) : '[^/]+')).join('/');
  return { path, segments, regex: new RegExp(`^/${pattern}$`) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type Caller = {
  /** A user JWT, sent as Authorization: Bearer. */
  token?: string;
  /** Sent as X-Api-Key. */
  apiKey?: string;
  /** With apiKey: the user the app's backend acts for (X-Golive-User, -Name, -Role). */
  actAs?: { userId: string; name?: string; role?: string };
  /** Any other header, sent as is (e.g. a raw Authorization). */
  headers?: Record<string, string>;
};

export type CallOptions = Caller & {
  /** A value sent as JSON with content-type application/json. */
  json?: unknown;
  /** Bytes sent exactly as given (bad JSON, other media types); no content-type unless contentType is set. */
  raw?: string;
  contentType?: string;
};

export type ContractResponse<T> = { status: number; body: T; text: string; contentType: string | null; operationId: string | null };

/**
 * A fetch client for a running golive whose every response is checked against the document.
 * It keeps every exchange so a test can look for leaked secrets afterwards.
 */
export class ContractClient {
  readonly baseUrl: string;
  readonly contract: OpenapiContract;
  readonly exchanges: Array<{ method: string; path: string; status: number; text: string }> = [];

  constructor(baseUrl: string, contract: OpenapiContract) {
    this.baseUrl = baseUrl;
    this.contract = contract;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<ContractResponse<T>> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
    if (options.actAs) {
      headers['x-golive-user'] = options.actAs.userId;
      if (options.actAs.name) headers['x-golive-user-name'] = options.actAs.name;
      if (options.actAs.role) headers['x-golive-user-role'] = options.actAs.role;
    }
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.raw !== undefined) {
      // Bytes, not a string: fetch would add text/plain to a string body on its own.
      body = Buffer.from(options.raw);
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    Object.assign(headers, options.headers);
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    let parsed: unknown = null;
    if (text && contentType?.startsWith('application/json')) parsed = JSON.parse(text);
    this.exchanges.push({ method, path, status: res.status, text });
    const { operationId } = this.contract.assertResponse({ method, path, status: res.status, contentType, body: parsed });
    return { status: res.status, body: parsed as T, text, contentType, operationId };
  }
}
