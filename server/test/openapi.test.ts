// /openapi.json is the contract: a valid OpenAPI 3.1 document that names every /v1 route, and
// the oracle the other API tests check every response against (see openapi-validator.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { TEST_API_KEY, TestStack, uniqueUser, userToken } from './harness.ts';
import { ContractClient, OpenapiContract } from './openapi-validator.ts';

const ISSUE_2_OPERATIONS = [
  'createSession',
  'joinSession',
  'getSession',
  'listSessions',
  'endSession',
  'getSessionByExternalRef',
  'listSessionEvents',
  'devLogin',
  'receiveLivekitWebhook',
];
const UNAUTHENTICATED_OPERATIONS = new Set(['devLogin', 'receiveLivekitWebhook']);
/** WHIP encoders authenticate with the ingest's stream key, not a user token. */
const STREAM_KEY_OPERATIONS = new Set(['publishWhip', 'patchWhip', 'stopWhip']);

/**
 * Method and path of every route Fastify serves, from printRoutes (the only public route list).
 * It prints a radix tree: each line adds its segment to its parent's path, nesting by 4 columns.
 */
function servedRoutes(printed: string): Array<{ method: string; path: string }> {
  const prefixes: string[] = [];
  return printed.split('\n').flatMap((line) => {
    const match = /^(.*?)[├└]── (.+?)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) return [];
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = path;
    return (match[3] ?? '')
      .split(', ')
      .filter(Boolean)
      .map((method) => ({ method: method.toLowerCase(), path }));
  });
}

describe('OpenAPI document and docs', () => {
  let stack: TestStack;
  let contract: OpenapiContract;
  let client: ContractClient;
  before(async () => {
    // Recording off: the optional-body check below calls startRecording, which then answers 503
    // RECORDER_CAPACITY instead of running a recorder (server/test/recordings-api.test.ts records).
    stack = await TestStack.start({ reconciler: false, env: { RECORDING_MAX_CONCURRENT: '0' } });
    contract = await OpenapiContract.load(stack.baseUrl);
    client = new ContractClient(stack.baseUrl, contract);
  });
  after(async () => stack?.stop());

  it('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(contract.document));
    assert.deepEqual(result.errors ?? [], [], 'the document validates against the OpenAPI 3.1 schema');
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
  });

  it('names every issue-2 operation, and operationIds are unique', () => {
    const ids = contract.operations().map((o) => o.operation.operationId);
    for (const id of ISSUE_2_OPERATIONS) assert.ok(ids.includes(id), `operationId ${id} is missing`);
    assert.equal(new Set(ids).size, ids.length, `duplicate operationIds: ${ids.join(', ')}`);
    assert.ok(
      ids.every((id) => typeof id === 'string' && id.length > 0),
      'every operation has an operationId',
    );
  });

  it('documents every route served under /v1, with the method it is served on', () => {
    const routes = servedRoutes(stack.app.printRoutes({ commonPrefix: false })).filter(
      (r) => r.path.startsWith('/v1/') && r.method !== 'head' && r.method !== 'options',
    );
    assert.ok(routes.length >= ISSUE_2_OPERATIONS.length, `found ${routes.length} routes under /v1`);
    for (const route of routes) {
      const template = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const operation = contract.document.paths[template]?.[route.method];
      assert.ok(operation?.operationId, `${route.method.toUpperCase()} ${route.path} is served but not in /openapi.json`);
    }
    const documented = contract.operations().filter((o) => o.path.startsWith('/v1/'));
    assert.equal(documented.length, routes.length, 'the document has no operation that is not served');
  });

  it('declares auth on every /v1 operation (a stream key on WHIP), none on dev login and the LiveKit webhook, and 401 on each', () => {
    for (const { path, method, operation } of contract.operations().filter((o) => o.path.startsWith('/v1/'))) {
      const where = `${method.toUpperCase()} ${path}`;
      if (UNAUTHENTICATED_OPERATIONS.has(operation.operationId ?? '')) {
        assert.equal(operation.security, undefined, `${where} needs no credentials`);
        continue;
      }
      if (STREAM_KEY_OPERATIONS.has(operation.operationId ?? '')) {
        assert.deepEqual(operation.security, [{ streamKey: [] }], `${where} security`);
        assert.ok(operation.responses?.['401'], `${where} documents 401`);
        continue;
      }
      assert.deepEqual(operation.security, [{ bearerAuth: [] }, { apiKey: [] }], `${where} security`);
      assert.ok(operation.responses?.['401'], `${where} documents 401`);
      assert.ok(operation.responses?.['400'], `${where} documents 400 (a bad X-Golive-User is a 400)`);
    }
    assert.ok(contract.operationById('receiveLivekitWebhook').operation.responses?.['401'], 'the webhook documents 401');
  });

  it('gives every error response the shared Error schema, and names shared schemas by their $id', () => {
    const schemas = Object.keys(contract.document.components?.schemas ?? {});
    for (const name of ['Error', 'Session', 'JoinGrant', 'SessionEvent']) assert.ok(schemas.includes(name), `components/schemas/${name}`);
    assert.ok(!schemas.some((name) => /^def-\d+$/.test(name)), `index-named components: ${schemas.join(', ')}`);
    for (const { path, method, operation } of contract.operations()) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue;
        assert.deepEqual(
          response.content?.['application/json']?.schema,
          { $ref: '#/components/schemas/Error' },
          `${method.toUpperCase()} ${path} ${status}`,
        );
        assert.notEqual(response.description, 'Default Response', `${method.toUpperCase()} ${path} ${status} has a description`);
      }
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        for (const status of ['413', '415'])
          assert.ok(operation.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
      }
    }
  });

  it('marks query parameters with a default optional, and the server fills the default in', async () => {
    const token = await userToken(uniqueUser());
    for (const { path, method, operation } of contract.operations()) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema && 'default' in parameter.schema) {
          assert.equal(parameter.required, false, `${method.toUpperCase()} ${path} ?${parameter.name} has a default`);
        }
      }
    }
    const list = await client.call<{ sessions: unknown[] }>('GET', '/v1/sessions', { token });
    assert.equal(list.status, 200);
    const host = uniqueUser('host');
    const created = await client.call<{ session: { id: string } }>('POST', '/v1/sessions', {
      token: await userToken(host),
      json: { title: 'Defaults', mode: 'broadcast', visibility: 'public' },
    });
    const events = await client.call<{ events: unknown[] }>('GET', `/v1/sessions/${created.body.session.id}/events`, {
      token: await userToken(host),
    });
    assert.equal(events.status, 200);
    assert.ok(events.body.events.length >= 1);
  });

  it('says a body is optional only where the server accepts a request without one', async () => {
    const optional = contract.operations().filter((o) => o.operation.requestBody && o.operation.requestBody.required === false);
    const ids = optional.map((o) => o.operation.operationId);
    assert.ok(ids.includes('endSession') && ids.includes('joinSession'), `optional bodies: ${ids.join(', ')}`);
    const statuses: Record<string, number> = {};
    for (const o of optional.filter((op) => !/\{(?!id\})/.test(op.path))) {
      // A fresh session per operation, acted on by its host.
      const host = uniqueUser('host');
      const created = await client.call<{ session: { id: string } }>('POST', '/v1/sessions', {
        apiKey: TEST_API_KEY,
        actAs: { userId: host },
        json: { title: 'Optional body', mode: 'broadcast', visibility: 'public' },
      });
      const path = o.path.replace('{id}', created.body.session.id);
      const res = await client.call<{ code?: string; message?: string }>(o.method.toUpperCase(), path, {
        apiKey: TEST_API_KEY,
        actAs: { userId: host },
      });
      // The body was accepted if the answer is not about the body (a 409 from the action itself is fine).
      const aboutBody =
        res.status === 415 ||
        res.body.code === 'INVALID_JSON' ||
        (res.body.code === 'VALIDATION_FAILED' && (res.body.message ?? '').startsWith('body'));
      assert.ok(!aboutBody, `${o.operation.operationId} without a body: ${res.status} ${res.text}`);
      statuses[o.operation.operationId ?? o.path] = res.status;
    }
    assert.equal(statuses.joinSession, 200, 'a bare POST joins');
    assert.equal(statuses.endSession, 200, 'a bare POST ends');
  });

  it('serves Swagger UI at /docs, reading the same document', async () => {
    const page = await fetch(`${stack.baseUrl}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<title>Swagger UI<\/title>/);
    const initializer = await fetch(`${stack.baseUrl}/docs/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    assert.match(await initializer.text(), /SwaggerUIBundle/);
    const docsJson = await fetch(`${stack.baseUrl}/docs/json`);
    assert.deepEqual(await docsJson.json(), contract.document, '/docs/json is /openapi.json');
  });
});

describe('the response validator catches what the document does not allow', () => {
  let stack: TestStack;
  let contract: OpenapiContract;
  let session: Record<string, unknown>;
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    contract = await OpenapiContract.load(stack.baseUrl);
    const client = new ContractClient(stack.baseUrl, contract);
    const created = await client.call<{ session: Record<string, unknown> }>('POST', '/v1/sessions', {
      token: await userToken(uniqueUser('host')),
      json: { title: 'Oracle', mode: 'broadcast', visibility: 'public' },
    });
    session = created.body.session;
  });
  after(async () => stack?.stop());

  const json = 'application/json; charset=utf-8';
  const getSession = (status: number, body: unknown, contentType: string | null = json) =>
    contract.assertResponse({ method: 'GET', path: `/v1/sessions/${String(session.id)}`, status, contentType, body });

  it('accepts a real response, and names its operation', () => {
    assert.deepEqual(getSession(200, session), { operationId: 'getSession' });
  });

  it('rejects a status the operation does not document', () => {
    assert.throws(() => getSession(418, { statusCode: 418, code: 'TEAPOT', error: 'x', message: 'x' }), /418 is not documented/);
  });

  it('rejects a body that breaks the schema: missing field, wrong enum, wrong format, nested $ref', () => {
    const { status: _status, ...missing } = session;
    assert.throws(() => getSession(200, missing), /must have required property 'status'/);
    assert.throws(() => getSession(200, { ...session, status: 'paused' }), /status/);
    assert.throws(() => getSession(200, { ...session, startedAt: 'yesterday' }), /must match format "date-time"/);
    assert.throws(
      () =>
        contract.assertResponse({
          method: 'POST',
          path: '/v1/sessions',
          status: 201,
          contentType: json,
          body: { token: 't', livekitUrl: 'ws://x', role: 'host', identity: 'u', expiresAt: new Date().toISOString(), session: {} },
        }),
      /\/session must have required property/,
    );
  });

  it('rejects an error body that is not the Error shape, or whose statusCode disagrees', () => {
    assert.throws(() => getSession(404, { message: 'nope' }), /required property 'statusCode'/);
    assert.throws(() => getSession(404, { statusCode: 400, code: 'X', error: 'x', message: 'x' }), /statusCode 400/);
  });

  it('rejects a JSON response served with another content type', () => {
    assert.throws(() => getSession(200, session, 'text/html'), /content-type is text\/html/);
  });

  it('routes static segments before parameters, as Fastify does', () => {
    assert.equal(contract.matchPath('/v1/sessions/by-external-ref/join'), '/v1/sessions/by-external-ref/{externalRef}');
    assert.equal(contract.matchPath('/v1/sessions/abc/join'), '/v1/sessions/{id}/join');
    assert.equal(contract.matchPath('/v1/nowhere'), null);
  });

  it('accepts an unrouted path only as a 404 in the Error shape', () => {
    const notFound = { statusCode: 404, code: 'ROUTE_NOT_FOUND', error: 'Not Found', message: 'no route' };
    assert.deepEqual(contract.assertResponse({ method: 'GET', path: '/v1/nowhere', status: 404, contentType: json, body: notFound }), {
      operationId: null,
    });
    assert.throws(() => contract.assertResponse({ method: 'GET', path: '/v1/nowhere', status: 200, contentType: json, body: {} }));
  });
});
