// The app without services (unit tier): the real buildApp through inject() on in-memory ports
// (unit-app.ts). The request pipeline's order and answers, the OpenAPI document, and which
// authorization matrix covers each of its operations. Every answer is checked against /openapi.json.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { Errors } from '../src/errors.ts';
import { BODY_PIPELINE_CODES, METHODS_WITH_BODY } from '../src/http/declared-codes.ts';
import { DOMAINS, NOT_IN_A_MATRIX } from './authz/domains.ts';
import { aUser } from './factories.ts';
import { TEST_API_KEY, TEST_JWT_SECRET } from './harness.ts';
import { UnitApp } from './unit-app.ts';

const validBody = { title: 'Unit tier', mode: 'broadcast', visibility: 'public' };

describe('the app on in-memory ports, through inject()', () => {
  let unit: UnitApp;
  before(async () => {
    unit = await UnitApp.start();
  });
  after(async () => unit?.close());

  it('authenticates before it validates: no credentials and a bad body is a 401, not a 400', async () => {
    const res = await unit.call('POST', '/v1/sessions', { json: { ...validBody, title: 5 } });
    assert.deepEqual([res.status, res.body.code], [401, 'UNAUTHENTICATED']);
  });

  it('refuses a bad body with a stable code and a message naming the field', async () => {
    const { token } = await aUser();
    const wrongType = await unit.call<{ code: string; message: string }>('POST', '/v1/sessions', {
      token,
      json: { ...validBody, title: 5 },
    });
    assert.deepEqual([wrongType.status, wrongType.body.code], [400, 'VALIDATION_FAILED']);
    assert.match(wrongType.body.message, /title/);
    const unknown = await unit.call<{ code: string }>('POST', '/v1/sessions', { token, json: { ...validBody, colour: 'red' } });
    assert.deepEqual([unknown.status, unknown.body.code], [400, 'VALIDATION_FAILED'], 'unknown fields are refused');
  });

  it('refuses bad credentials: a token signed with another secret, an expired one, a wrong API key', async () => {
    const other = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret-0123456789-abcdefghij'));
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('late')
      .setExpirationTime('-1m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const answers = [
      await unit.call('GET', '/v1/sessions', { token: other }),
      await unit.call('GET', '/v1/sessions', { token: expired }),
      await unit.call('GET', '/v1/sessions', { apiKey: 'glk_test_not-the-key' }),
    ].map((r) => `${r.status} ${String(r.body.code)}`);
    assert.deepEqual(answers, ['401 INVALID_TOKEN', '401 INVALID_TOKEN', '401 INVALID_API_KEY']);
  });

  it('reads the in-memory database: no sessions listed, an unknown one is 404', async () => {
    const { token } = await aUser();
    const list = await unit.call<{ sessions: unknown[] }>('GET', '/v1/sessions', { token });
    assert.deepEqual([list.status, list.body.sessions], [200, []]);
    const missing = await unit.call('GET', `/v1/sessions/${randomUUID()}`, { apiKey: TEST_API_KEY });
    assert.deepEqual([missing.status, missing.body.code], [404, 'SESSION_NOT_FOUND']);
  });

  it('every operation of /openapi.json is in exactly one domain’s authorization matrix, or says where its access is tested', () => {
    const documented = unit.contract.operations().map((o) => o.operation.operationId ?? `${o.method} ${o.path}`);
    const inMatrix = Object.entries(DOMAINS).flatMap(([domain, ops]) => ops.map((op) => ({ domain, op: op as string })));
    const uncovered = documented.filter((id) => !inMatrix.some((m) => m.op === id) && !(id in NOT_IN_A_MATRIX));
    assert.deepEqual(uncovered, [], 'add a row to a matrix under server/test/authz/ and its operation to authz/domains.ts');
    const twice = inMatrix.filter((m, i) => inMatrix.findIndex((n) => n.op === m.op) !== i).map((m) => m.op);
    assert.deepEqual(twice, [], 'an operation belongs to one domain');
    const stale = [...inMatrix.map((m) => m.op), ...Object.keys(NOT_IN_A_MATRIX)].filter((id) => !documented.includes(id));
    assert.deepEqual(stale, [], 'operations listed in authz/domains.ts that /openapi.json no longer has');
  });

  it('every operation declares its error codes through route(), each documented under its status', () => {
    const statusOf = new Map(Object.values(Errors).map((E) => [new E().code, String(new E().statusCode)]));
    const problems = unit.contract.operations().flatMap(({ method, path, operation }) => {
      const where = `${operation.operationId ?? `${method} ${path}`}`;
      const codes = (operation as { 'x-error-codes'?: string[] })['x-error-codes'];
      if (!codes || codes.length === 0) return [`${where} has no x-error-codes: declare it with route() (http/route.ts)`];
      // What the body parser and limit answer before the route: declared wherever the method takes a body.
      const pipeline = METHODS_WITH_BODY.has(method.toLowerCase()) ? Object.keys(BODY_PIPELINE_CODES) : [];
      const undeclared = pipeline.filter((code) => !codes.includes(code)).map((code) => `${where}: ${code} is not declared`);
      return undeclared.concat(
        codes.flatMap((code) => {
          const status = statusOf.get(code);
          const response = status === undefined ? undefined : operation.responses?.[status];
          if (!response) return [`${where}: ${code} has no ${status ?? 'known'} response`];
          return response.description?.split(', ').includes(code) ? [] : [`${where}: ${code} is not in the ${status} description`];
        }),
      );
    });
    assert.deepEqual(problems, []);
  });

  it('counts no answer whose code its route does not declare (close() fails on any, after every test here)', async () => {
    // The tests above drove 400s, 401s and a 404, each through a route that declares it.
    const { values } = await unit.services.metrics.undeclaredErrorCodes.get();
    assert.deepEqual(
      values.filter((v) => v.value > 0),
      [],
    );
  });
});
