// One build, any role: a web instance without Socket.IO reaches subscribers on a realtime
// instance through Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '@golive/sdk/protocol';
import { eventually, TestStack } from '../../test/harness.ts';
import { errorCode, liveSession, RealtimeClients } from '../../test/realtime-clients.ts';
import { ConfigError, loadConfig } from '../config/config.ts';

const REDIS_URL = process.env.GOLIVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

describe('GOLIVE_ROLES: web and realtime in separate processes', () => {
  let web: TestStack;
  let realtime: TestStack;
  const clients = new RealtimeClients();
  before(async () => {
    web = await TestStack.start({ env: { REDIS_URL, GOLIVE_ROLES: 'web,worker' } });
    realtime = await TestStack.start({
      env: { REDIS_URL, GOLIVE_ROLES: 'realtime' },
      databaseUrl: web.databaseUrl,
      livekit: { server: web.livekitServer, endpoint: web.livekitServer.endpoint },
    });
  });
  after(async () => {
    clients.closeAll();
    await realtime?.stopApp();
    await web?.stop();
  });

  it('serves the API only on web and Socket.IO only on realtime', async () => {
    const notApi = await realtime.request<{ code: string }>('GET', '/v1/sessions');
    assert.equal(notApi.body.code, 'ROUTE_NOT_FOUND');
    assert.equal((await realtime.request('GET', '/healthz')).status, 200, 'every role answers health checks');
    assert.notEqual(await errorCode(clients.connect(web)), 'OK', 'no Socket.IO on a web-only instance');
  });

  it('delivers pushes made by the web instance to subscribers of the realtime instance', async () => {
    const { id, hostToken } = await liveSession(web);
    const viewer = await (await clients.connect(realtime)).subscribe(id);
    const sent: ChatMessage = await viewer.send('hello through the realtime role');
    const history = await web.request<{ messages: ChatMessage[] }>('GET', `/v1/sessions/${id}/messages`, { token: hostToken });
    assert.deepEqual(
      history.body.messages.map((m) => m.id),
      [sent.id],
    );

    await web.request('DELETE', `/v1/sessions/${id}/messages/${sent.id}`, { token: hostToken });
    await eventually(() => viewer.messages.length === 0, { what: 'chat.deleted from the web instance' });
    await web.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { slowModeSec: 7 } });
    await eventually(() => viewer.settings?.slowModeSec === 7, { what: 'session.settings from the web instance' });
    await web.request('POST', `/v1/sessions/${id}/end`, { token: hostToken });
    await eventually(() => viewer.ended !== null, { what: 'session.ended from the web instance' });
  });

  it('refuses a web role without realtime unless Redis carries its events', () => {
    assert.throws(
      () => loadConfig({ GOLIVE_ROLES: 'web', AUTH_JWT_SECRET: 'x'.repeat(40), GOLIVE_DATA_DIR: '/tmp/golive-roles-test' }),
      ConfigError,
    );
    assert.throws(
      () => loadConfig({ GOLIVE_ROLES: 'web,cooking', GOLIVE_DATA_DIR: '/tmp/golive-roles-test' }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.includes('GOLIVE_ROLES')),
    );
    const ok = loadConfig({ GOLIVE_ROLES: 'web', REDIS_URL, GOLIVE_DATA_DIR: '/tmp/golive-roles-test' });
    assert.deepEqual([...ok.roles], ['web']);
  });
});
