import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { frameworkErrors, MAX_PARAM_LENGTH, registerErrorHandling } from '../http/error-handler.ts';
import { registerWebApp } from './web.routes.ts';

const INDEX = '<!doctype html><div id="root"></div>';

async function appServing(distDir: string): Promise<FastifyInstance> {
  // The same router limits and error handling as buildApp.
  const app = Fastify({ routerOptions: { maxParamLength: MAX_PARAM_LENGTH }, frameworkErrors });
  registerErrorHandling(app);
  app.get('/v1/sessions', async () => ({ sessions: [] }));
  app.get('/v1/sessions/:id', async (request) => request.params);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await registerWebApp(app, { distDir });
  await app.ready();
  return app;
}

describe('web app static serving', () => {
  let dist: string;
  let app: FastifyInstance;

  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'golive-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
    app = await appServing(dist);
  });
  after(async () => {
    await app?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and for app routes (SPA fallback), never cached', async () => {
    for (const url of ['/', '/watch/5f0c6a1e-0000-4000-8000-000000000000', '/admin?tab=reports']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /text\/html/, url);
      assert.equal(res.body, INDEX, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
  });

  it('serves hashed assets with a long immutable cache', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'console.log("app")');
    assert.match(String(res.headers['cache-control']), /immutable/);
  });

  it('keeps API and ops paths: known ones answer, unknown ones are a JSON 404, not the app', async () => {
    assert.deepEqual((await app.inject({ url: '/v1/sessions' })).json(), { sessions: [] });
    assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    for (const url of ['/v1/nope', '/v1', '/docs/missing', '/metrics/x', '/assets/missing.js', '/favicon.ico']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'ROUTE_NOT_FOUND', url);
    }
    const post = await app.inject({ method: 'POST', url: '/watch/x' });
    assert.equal(post.json().code, 'ROUTE_NOT_FOUND', 'only GET and HEAD fall back to the app');
  });

  it('leaves the router alone: a path parameter over the limit is still a 400, not the app or a 404', async () => {
    const res = await app.inject({ url: `/v1/sessions/${'x'.repeat(MAX_PARAM_LENGTH + 1)}` });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'VALIDATION_FAILED');
  });

  it('registers nothing when the build is missing: / is the API 404', async () => {
    const bare = await appServing(join(dist, 'does-not-exist'));
    try {
      const res = await bare.inject({ url: '/' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'ROUTE_NOT_FOUND');
    } finally {
      await bare.close();
    }
  });
});
