// The error handler holds each answer to its route's declaration (route.ts): a real Fastify app
// with golive's error handling, routes declared through route(), and handlers that throw.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Errors } from '../errors.ts';
import { createLogger } from '../logger.ts';
import type { UndeclaredCode } from './declared-codes.ts';
import { registerErrorHandling } from './error-handler.ts';
import { route } from './route.ts';
import { ErrorSchema } from './schemas.ts';

describe('answers only the codes a route declares', () => {
  let app: FastifyInstance;
  const undeclared: UndeclaredCode[] = [];
  const logLines: Array<{ level: number; msg: string; route?: string; code?: string; operationId?: string }> = [];
  const logs = new Writable({
    write: (chunk, _encoding, callback) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      callback();
    },
  });
  const errorLogs = () =>
    logLines.filter((l) => l.level >= 50).map(({ msg, route, code, operationId }) => ({ msg, route, code, operationId }));
  const call = async (method: 'GET' | 'POST', url: string, payload?: string) => {
    const res = await app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.statusCode, code: (res.json() as { code?: string }).code };
  };

  before(async () => {
    app = Fastify({ loggerInstance: createLogger('info', logs) as FastifyBaseLogger });
    registerErrorHandling(app, { onUndeclared: (u) => undeclared.push(u) });
    app.addSchema(ErrorSchema);
    const facts = { summary: 'test', tags: ['test'], auth: 'none' as const, response: { 200: Type.Object({}) } };
    app.get('/declared', route({ ...facts, operationId: 'declared', errors: ['reportNotFound'] }), async () => {
      throw new Errors.reportNotFound('r1');
    });
    // The deliberate bug: the handler throws a code its declaration leaves out.
    app.get('/undeclared', route({ ...facts, operationId: 'undeclared', errors: ['reportNotFound'] }), async () => {
      throw new Errors.banNotFound('u1');
    });
    app.get('/broken', route({ ...facts, operationId: 'broken' }), async () => {
      throw new Error('a bug');
    });
    app.post('/no-body-schema', route({ ...facts, operationId: 'noBodySchema' }), async () => ({}));
    // Not declared through route() (as Swagger UI's and the web app's routes are not): not checked.
    app.get('/plugin', async () => {
      throw new Errors.banNotFound('u2');
    });
    await app.ready();
  });
  after(async () => app?.close());

  it('logs and reports a code the route does not declare, and still answers it', async () => {
    undeclared.length = 0;
    logLines.length = 0;
    assert.deepEqual(await call('GET', '/undeclared'), { status: 404, code: 'BAN_NOT_FOUND' });
    assert.deepEqual(undeclared, [{ method: 'GET', route: '/undeclared', code: 'BAN_NOT_FOUND' }]);
    assert.deepEqual(errorLogs(), [
      { msg: 'answered an error code its route does not declare', route: '/undeclared', code: 'BAN_NOT_FOUND', operationId: 'undeclared' },
    ]);
  });

  it('says nothing of declared codes, of INTERNAL, or of what the body parser answers for a method with a body', async () => {
    undeclared.length = 0;
    logLines.length = 0;
    assert.deepEqual(await call('GET', '/declared'), { status: 404, code: 'REPORT_NOT_FOUND' });
    assert.deepEqual(await call('GET', '/broken'), { status: 500, code: 'INTERNAL' });
    assert.deepEqual(await call('POST', '/no-body-schema', '{not json'), { status: 400, code: 'INVALID_JSON' });
    assert.deepEqual(undeclared, []);
    assert.ok(!errorLogs().some((l) => l.msg === 'answered an error code its route does not declare'));
  });

  it('leaves alone what no route() declares: unknown paths and plugin routes', async () => {
    undeclared.length = 0;
    assert.deepEqual(await call('GET', '/nowhere'), { status: 404, code: 'ROUTE_NOT_FOUND' });
    assert.deepEqual(await call('GET', '/plugin'), { status: 404, code: 'BAN_NOT_FOUND' });
    assert.deepEqual(undeclared, []);
  });
});
