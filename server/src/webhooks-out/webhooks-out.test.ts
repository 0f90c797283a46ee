// Events to the app, end to end: golive on real PostgreSQL and livekit-server POSTs signed events
// to real HTTP receivers, which verify each delivery with the standardwebhooks library.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertBodyMatchesCatalogue } from '../../test/events-catalogue.ts';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from '../../test/webhook-receiver.ts';

type Delivery = {
  id: string;
  webhookId: string;
  eventType: string;
  sessionId: string;
  status: string;
  attempts: Array<{ attempt: number; attemptedAt: string; statusCode: number | null; nextAttemptAt: string | null; error: string | null }>;
};

describe('webhooks to the app: signed, in sequence, retried', () => {
  let stack: TestStack;
  let client: ContractClient;
  const receivers: WebhookReceiver[] = [];
  const endpoints: string[] = [];
  const register = async (r: WebhookReceiver, body: Record<string, unknown> = {}) => {
    const endpoint = await registerReceiver(client, TEST_API_KEY, r, body);
    endpoints.push(endpoint.id);
    return endpoint;
  };
  const receiver = async () => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  };

  before(async () => {
    // The worker role is on: retries are the pollers' work.
    stack = await TestStack.start({ env: { GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s' } });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  // Each test's endpoints receive only that test's events.
  afterEach(async () => {
    for (const id of endpoints.splice(0)) {
      const res = await client.call('DELETE', `/v1/admin/webhook-endpoints/${id}`, { apiKey: TEST_API_KEY });
      assert.equal(res.status, 204);
    }
  });
  after(async () => {
    for (const r of receivers) {
      for (const d of r.received) assertBodyMatchesCatalogue(d.event);
      await r.stop();
    }
    await stack?.stop();
  });

  const end = (id: string, token: string) => stack.request('POST', `/v1/sessions/${id}/end`, { token, body: {} });
  const deliveries = async (endpointId: string) =>
    (await client.call<{ items: Delivery[] }>('GET', `/v1/admin/webhook-deliveries?endpointId=${endpointId}`, { apiKey: TEST_API_KEY }))
      .body.items;

  it('signs every delivery so that standardwebhooks verifies it, with the session, actor and a per-session sequence', async () => {
    const hooks = await receiver();
    const endpoint = await register(hooks);
    assert.deepEqual([endpoint.eventTypes, endpoint.enabled], [null, true], 'all event types by default');
    const { id, hostId, hostToken } = await liveSession(stack, { title: 'Proof stream', externalRef: `task-${uniqueUser('t')}` });
    const settings = await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { slowModeSec: 5 } });
    assert.equal(settings.status, 200);
    assert.equal((await end(id, hostToken)).status, 200);

    const got = await eventually(() => (hooks.forSession(id).length >= 3 ? hooks.forSession(id) : null), { what: 'three events' });
    assert.deepEqual(
      got.map((d) => [d.event.type, d.event.data.sequence]),
      [
        ['live.session.started', 1],
        ['live.session.settings.changed', 2],
        ['live.session.ended', 3],
      ],
    );
    for (const d of got) {
      assert.deepEqual(d.verifiedWith, [0], 'verified with the endpoint secret');
      assert.equal(d.id, `evt_${d.event.data.eventId}`, 'webhook-id is the stable event id');
      assert.ok(Math.abs(Number(d.timestamp) - Date.now() / 1000) < 60, 'webhook-timestamp is the time of sending');
      assert.equal(d.event.data.session.id, id);
      assert.deepEqual(d.event.data.session.host, { id: hostId, name: hostId });
      assert.equal(d.event.data.session.title, 'Proof stream');
      assert.match(d.event.data.session.externalRef ?? '', /^task-/);
    }
    const [started, changed, ended] = got;
    assert.equal(started?.event.data.session.status, 'live', 'the session as it was when the event happened');
    assert.equal(ended?.event.data.session.status, 'ended');
    assert.deepEqual(started?.event.data.actor, { id: hostId });
    assert.deepEqual(changed?.event.data.details, { slowModeSec: 5 });
    assert.equal(ended?.event.data.reason, 'ended_by_host');
    assert.equal(new Set(got.map((d) => d.id)).size, 3, 'one id per event');
    assert.equal(hooks.received.filter((d) => d.event.data.session.id === id).length, 3, 'each sent once');

    // The receiver answers before golive records the attempt and completes the delivery.
    const mine = await eventually(
      async () => {
        const log = (await deliveries(endpoint.id)).filter((d) => d.sessionId === id);
        return log.length === 3 && log.every((d) => d.status !== 'pending') ? log : null;
      },
      { what: 'the three deliveries finished in the log' },
    );
    for (const d of mine) {
      assert.equal(d.status, 'succeeded');
      assert.equal(d.attempts.length, 1);
      assert.equal(d.attempts[0]?.statusCode, 200);
    }
  });

  it('retries a 503 with the same webhook-id until it is accepted once, and holds the later event back meanwhile', async () => {
    const hooks = await receiver();
    const endpoint = await register(hooks);
    // The started event is refused twice; the second refusal asks for 2 s, more than the 1 s schedule.
    hooks.answer = ({ event, nth }) => {
      if (event.type !== 'live.session.started' || nth > 2) return { status: 200 };
      const headers: Record<string, string> = nth === 2 ? { 'retry-after': '2' } : {};
      return { status: 503, headers };
    };
    const { id, hostToken } = await liveSession(stack);
    assert.equal((await end(id, hostToken)).status, 200);

    const accepted = await eventually(() => (hooks.forSession(id).length >= 2 ? hooks.forSession(id) : null), {
      timeoutMs: 20_000,
      what: 'both events accepted',
    });
    assert.deepEqual(
      accepted.map((d) => d.event.type),
      ['live.session.started', 'live.session.ended'],
      'started is accepted before ended',
    );
    const all = hooks.received.filter((d) => d.event.data.session.id === id);
    const startedId = accepted[0]?.id;
    assert.deepEqual(
      all.map((d) => [d.event.type, d.status]),
      [
        ['live.session.started', 503],
        ['live.session.started', 503],
        ['live.session.started', 200],
        ['live.session.ended', 200],
      ],
      'the ended event was not sent while started was being retried',
    );
    assert.ok(
      all.slice(0, 3).every((d) => d.id === startedId),
      'the retries keep the webhook-id',
    );
    const [first, second, third] = all;
    assert.ok(second && first && second.at - first.at >= 900, `retried after the 1 s step (${(second?.at ?? 0) - (first?.at ?? 0)} ms)`);
    assert.ok(third && second && third.at - second.at >= 1900, `Retry-After: 2 honoured (${(third?.at ?? 0) - (second?.at ?? 0)} ms)`);

    const log = (await deliveries(endpoint.id)).find((d) => d.webhookId === startedId);
    assert.ok(log);
    assert.equal(log.status, 'succeeded');
    assert.deepEqual(
      log.attempts.map((a) => [a.attempt, a.statusCode]),
      [
        [1, 503],
        [2, 503],
        [3, 200],
      ],
    );
    assert.ok(log.attempts[0]?.nextAttemptAt && log.attempts[1]?.nextAttemptAt, 'each failed attempt says when the next one is');
    assert.equal(log.attempts[2]?.nextAttemptAt, null);
    assert.equal(log.attempts[0]?.error, 'answered 503');
  });

  it('gives up after the last step of the schedule and lets the next event through', async () => {
    const hooks = await receiver();
    const endpoint = await register(hooks);
    hooks.answer = ({ event }) => ({ status: event.type === 'live.session.started' ? 500 : 200 });
    const { id, hostToken } = await liveSession(stack);
    await end(id, hostToken);
    await eventually(() => hooks.forSession(id).length === 1, {
      timeoutMs: 20_000,
      what: 'the ended event, after started failed for good',
    });
    const started = hooks.received.filter((d) => d.event.data.session.id === id && d.event.type === 'live.session.started');
    assert.equal(started.length, 4, 'at once, then after 1 s, 1 s and 2 s');
    const log = (await deliveries(endpoint.id)).find((d) => d.sessionId === id && d.eventType === 'live.session.started');
    assert.equal(log?.status, 'failed');
    assert.equal(log?.attempts.at(-1)?.nextAttemptAt, null);
  });

  it('sends an endpoint only the event types it asked for, and all of them again when the filter is cleared', async () => {
    const all = await receiver();
    const onlyEnded = await receiver();
    await register(all);
    const filtered = await register(onlyEnded, { eventTypes: ['live.session.ended'] });
    assert.deepEqual(filtered.eventTypes, ['live.session.ended']);
    const first = await liveSession(stack);
    await end(first.id, first.hostToken);
    await eventually(() => all.forSession(first.id).length === 2 && onlyEnded.forSession(first.id).length === 1, {
      what: 'both endpoints served',
    });
    assert.deepEqual(
      onlyEnded.received.filter((d) => d.event.data.session.id === first.id).map((d) => d.event.type),
      ['live.session.ended'],
    );

    const cleared = await client.call<{ eventTypes: string[] | null }>('PATCH', `/v1/admin/webhook-endpoints/${filtered.id}`, {
      apiKey: TEST_API_KEY,
      json: { eventTypes: null },
    });
    assert.equal(cleared.body.eventTypes, null);
    const second = await liveSession(stack);
    await end(second.id, second.hostToken);
    await eventually(() => onlyEnded.forSession(second.id).length === 2, { what: 'both events once the filter is cleared' });
  });

  it('delivers live.session.abuse.flagged when a participant reports the session', async () => {
    const hooks = await receiver();
    await register(hooks, { eventTypes: ['live.session.abuse.flagged'] });
    const { id, hostId } = await liveSession(stack);
    const reporterId = uniqueUser('reporter');
    const report = await stack.request<{ id: string }>('POST', `/v1/sessions/${id}/reports`, {
      token: await userToken(reporterId),
      body: { reason: 'spam in the title' },
    });
    assert.equal(report.status, 201);
    const [flagged] = await eventually(() => (hooks.forSession(id).length > 0 ? hooks.forSession(id) : null), { what: 'the flag' });
    assert.equal(flagged?.event.type, 'live.session.abuse.flagged');
    assert.deepEqual(flagged?.event.data.actor, { id: reporterId });
    assert.deepEqual(flagged?.event.data.target, { id: hostId });
    assert.equal(flagged?.event.data.reason, 'spam in the title');
    assert.deepEqual(flagged?.event.data.details, { reportId: report.body.id, messageId: null });
  });
});
