// The admin side of events to the app: secret rotation, replay, 410 disabling, retry, the delivery
// log, and who may use any of it. Real receivers; every response checked against /openapi.json.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertBodyMatchesCatalogue } from '../../test/events-catalogue.ts';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from '../../test/webhook-receiver.ts';

type Endpoint = {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  secret?: string;
  code?: string;
};
type Delivery = { id: string; webhookId: string; eventType: string; sessionId: string; status: string; replay: boolean };
type Page = { items: Delivery[]; nextCursor: string | null };

describe('webhooks to the app: rotation, replay, disabling and the delivery log', () => {
  let stack: TestStack;
  let client: ContractClient;
  const receivers: WebhookReceiver[] = [];
  const endpoints: string[] = [];
  const apiKey = TEST_API_KEY;

  before(async () => {
    stack = await TestStack.start({ env: { GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s' } });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  afterEach(async () => {
    for (const id of endpoints.splice(0)) await client.call('DELETE', `/v1/admin/webhook-endpoints/${id}`, { apiKey });
  });
  after(async () => {
    for (const r of receivers) {
      for (const d of r.received) assertBodyMatchesCatalogue(d.event);
      await r.stop();
    }
    await stack?.stop();
  });

  const hooks = async (body: Record<string, unknown> = {}) => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const endpoint = await registerReceiver(client, apiKey, receiver, body);
    endpoints.push(endpoint.id);
    return { receiver, endpoint };
  };
  const startAndEnd = async () => {
    const s = await liveSession(stack);
    assert.equal((await stack.request('POST', `/v1/sessions/${s.id}/end`, { token: s.hostToken, body: {} })).status, 200);
    return s;
  };
  const deliveries = async (query: string) => (await client.call<Page>('GET', `/v1/admin/webhook-deliveries?${query}`, { apiKey })).body;

  it('signs with both secrets during a rotation’s overlap, so a receiver with either verifies', async () => {
    const { receiver, endpoint } = await hooks();
    const oldSecret = endpoint.secret;
    const rotated = await client.call<Endpoint>('POST', `/v1/admin/webhook-endpoints/${endpoint.id}/rotate-secret`, { apiKey });
    assert.equal(rotated.status, 200, rotated.text);
    const newSecret = rotated.body.secret ?? '';
    assert.match(newSecret, /^whsec_/);
    assert.notEqual(newSecret, oldSecret);
    const expires = Date.parse(rotated.body.previousSecretExpiresAt ?? '');
    assert.ok(Math.abs(expires - Date.now() - 86_400_000) < 60_000, 'the old secret signs for 24 h');
    receiver.secrets = [oldSecret, newSecret];

    const s = await liveSession(stack);
    const [d] = await eventually(() => (receiver.forSession(s.id).length > 0 ? receiver.forSession(s.id) : null), { what: 'a delivery' });
    assert.equal(d?.signatures.length, 2, 'two signatures in webhook-signature');
    assert.deepEqual(d?.verifiedWith, [0, 1], 'it verifies with the old secret and with the new one');
  });

  it('replays a time range with the original webhook-ids, filtered by type if asked', async () => {
    const { receiver, endpoint } = await hooks();
    const since = new Date(Date.now() - 1000).toISOString();
    const s = await startAndEnd();
    const first = await eventually(() => (receiver.forSession(s.id).length === 2 ? receiver.forSession(s.id) : null), {
      what: 'the original deliveries',
    });
    const replay = await client.call<{ replayed: number }>('POST', `/v1/admin/webhook-endpoints/${endpoint.id}/replay`, {
      apiKey,
      json: { since, eventTypes: ['live.session.started', 'live.session.ended'] },
    });
    assert.equal(replay.status, 202, replay.text);
    assert.ok(replay.body.replayed >= 2);
    const again = await eventually(() => (receiver.forSession(s.id).length === 4 ? receiver.forSession(s.id).slice(2) : null), {
      what: 'the replayed deliveries',
    });
    assert.deepEqual(
      again.map((d) => d.id),
      first.map((d) => d.id),
      'the same webhook-ids, in the same order',
    );
    assert.deepEqual(
      again.map((d) => d.body),
      first.map((d) => d.body),
      'and the same bodies',
    );
    const log = (await deliveries(`endpointId=${endpoint.id}`)).items.filter((d) => d.sessionId === s.id);
    assert.deepEqual(log.map((d) => d.replay).sort(), [false, false, true, true]);

    const onlyEnded = await client.call<{ replayed: number }>('POST', `/v1/admin/webhook-endpoints/${endpoint.id}/replay`, {
      apiKey,
      json: { since, until: new Date().toISOString(), eventTypes: ['live.session.ended'] },
    });
    assert.equal(onlyEnded.status, 202);
    await eventually(() => receiver.forSession(s.id).length === 5, { what: 'the filtered replay' });
    assert.equal(receiver.forSession(s.id)[4]?.event.type, 'live.session.ended');
    const backwards = await client.call<{ code: string }>('POST', `/v1/admin/webhook-endpoints/${endpoint.id}/replay`, {
      apiKey,
      json: { since, until: since },
    });
    assert.deepEqual([backwards.status, backwards.body.code], [400, 'REPLAY_RANGE_INVALID']);
  });

  it('disables an endpoint that answers 410 Gone, sends it nothing more, and delivers again once enabled and retried', async () => {
    const { receiver, endpoint } = await hooks();
    const { receiver: witness } = await hooks();
    receiver.answer = () => ({ status: 410 });
    const first = await liveSession(stack);
    await eventually(() => receiver.received.some((d) => d.event.data.session.id === first.id), { what: 'the 410' });
    const disabled = await eventually(
      async () => {
        const list = await client.call<{ items: Endpoint[] }>('GET', '/v1/admin/webhook-endpoints', { apiKey });
        const mine = list.body.items.find((e) => e.id === endpoint.id);
        return mine && !mine.enabled ? mine : null;
      },
      { what: 'the endpoint disabled' },
    );
    assert.match(disabled.disabledReason ?? '', /410 Gone/);
    const gone = await eventually(
      async () => (await deliveries(`endpointId=${endpoint.id}&status=failed`)).items.find((d) => d.sessionId === first.id),
      { what: 'the delivery marked failed' },
    );
    assert.equal(gone?.eventType, 'live.session.started');

    const second = await startAndEnd();
    await eventually(() => witness.forSession(second.id).length === 2, { what: 'the other endpoint to get the next events' });
    assert.equal(
      receiver.received.filter((d) => d.event.data.session.id === second.id).length,
      0,
      'nothing is sent to a disabled endpoint',
    );
    const refused = await client.call<{ code: string }>('POST', `/v1/admin/webhook-deliveries/${gone?.id}/retry`, { apiKey });
    assert.deepEqual([refused.status, refused.body.code], [409, 'WEBHOOK_ENDPOINT_DISABLED']);

    receiver.answer = () => ({ status: 200 });
    const enabled = await client.call<Endpoint>('PATCH', `/v1/admin/webhook-endpoints/${endpoint.id}`, { apiKey, json: { enabled: true } });
    assert.deepEqual([enabled.body.enabled, enabled.body.disabledReason], [true, null]);
    const retried = await client.call<Delivery>('POST', `/v1/admin/webhook-deliveries/${gone?.id}/retry`, { apiKey });
    assert.equal(retried.status, 202, retried.text);
    await eventually(() => receiver.forSession(first.id).length === 1, { what: 'the retried delivery accepted' });
    assert.equal(receiver.forSession(first.id)[0]?.id, gone?.webhookId, 'with its original webhook-id');
  });

  it('lists deliveries newest first, by endpoint, status and type, a page at a time', async () => {
    const { receiver, endpoint } = await hooks();
    const sessions = [await startAndEnd(), await startAndEnd()];
    await eventually(() => sessions.every((s) => receiver.forSession(s.id).length === 2), { what: 'four deliveries' });
    const page1 = await deliveries(`endpointId=${endpoint.id}&limit=3`);
    assert.equal(page1.items.length, 3);
    assert.ok(page1.nextCursor);
    const page2 = await deliveries(`endpointId=${endpoint.id}&limit=3&cursor=${page1.nextCursor}`);
    assert.equal(page2.items.length, 1);
    assert.equal(page2.nextCursor, null);
    const ids = [...page1.items, ...page2.items].map((d) => Number(d.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      'newest first',
    );
    const ended = await eventually(
      async () => {
        const page = await deliveries(`endpointId=${endpoint.id}&eventType=live.session.ended&status=succeeded`);
        return page.items.length === 2 ? page : null;
      },
      { what: 'both ended deliveries marked succeeded' },
    );
    assert.ok(ended.items.every((d) => d.eventType === 'live.session.ended' && d.status === 'succeeded'));
    const bad = await client.call<{ code: string }>('GET', '/v1/admin/webhook-deliveries?eventType=live.nothing', { apiKey });
    assert.deepEqual([bad.status, bad.body.code], [400, 'VALIDATION_FAILED']);
  });

  it('is for platform admins and the API key alone, and never shows a secret again', async () => {
    const { endpoint } = await hooks({ description: 'task marketplace' });
    const user = { token: await userToken(uniqueUser('user')) };
    const admin = { token: await userToken(uniqueUser('admin'), { admin: true }) };
    for (const [method, path] of [
      ['GET', '/v1/admin/webhook-endpoints'],
      ['GET', '/v1/admin/webhook-deliveries'],
      ['POST', `/v1/admin/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ['DELETE', `/v1/admin/webhook-endpoints/${endpoint.id}`],
    ] as const) {
      const res = await client.call<{ code: string }>(method, path, user);
      assert.deepEqual([res.status, res.body.code], [403, 'NOT_ADMIN'], `${method} ${path}`);
    }
    const asActingUser = await client.call<{ code: string }>('GET', '/v1/admin/webhook-endpoints', {
      apiKey,
      actAs: { userId: uniqueUser('someone') },
    });
    assert.equal(asActingUser.status, 403, 'the API key acting for a non-admin user is that user');
    const listed = await client.call<{ items: Endpoint[] }>('GET', '/v1/admin/webhook-endpoints', admin);
    assert.equal(listed.status, 200);
    assert.ok(listed.body.items.some((e) => e.id === endpoint.id));
    assert.ok(listed.body.items.every((e) => e.secret === undefined));
    const missing = await client.call<{ code: string }>('PATCH', '/v1/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000', {
      apiKey,
      json: { enabled: false },
    });
    assert.deepEqual([missing.status, missing.body.code], [404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
    const notUrl = await client.call<{ code: string }>('POST', '/v1/admin/webhook-endpoints', { apiKey, json: { url: 'ftp://x.example' } });
    assert.deepEqual([notUrl.status, notUrl.body.code], [400, 'WEBHOOK_URL_REFUSED']);

    await startAndEnd();
    await deliveries(`endpointId=${endpoint.id}`);
    const secrets = receivers.flatMap((r) => r.secrets);
    const leaks = client.exchanges.filter(
      (x) =>
        !/\/(rotate-secret)$/.test(x.path) &&
        !(x.method === 'POST' && x.path === '/v1/admin/webhook-endpoints') &&
        secrets.some((s) => x.text.includes(s)),
    );
    assert.deepEqual(
      leaks.map((x) => `${x.method} ${x.path}`),
      [],
      'only creation and rotation answer a secret',
    );
    assert.ok(!secrets.some((s) => stack.logs.text().includes(s)), 'no secret in the logs');
  });
});
