// A change with several events for one session: to a receiver slower than the claim lease (the
// effect runner renews the claim before each later delivery, so none is sent twice), and to one
// that refuses the first (the later ones wait for its retry instead of overtaking it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, TEST_API_KEY, TestStack, uniqueUser } from '../../test/harness.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from '../../test/webhook-receiver.ts';

describe('a receiver slower than the claim lease', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  before(async () => {
    // Claims last 2 s and workers poll every 50 ms: a lapsed claim is taken over at once.
    stack = await TestStack.start({ env: { OUTBOX_LEASE_SEC: '2', OUTBOX_POLL_MS: '50' } });
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  it('gets each event of a ban (role change, then ban) once, in order, each taking 1.5 s', async () => {
    const client = {
      call: async <T>(method: string, path: string, o: Record<string, unknown>) => {
        const res = await stack.request<T>(method, path, { headers: { 'x-api-key': String(o.apiKey) }, body: o.json });
        return { ...res, text: JSON.stringify(res.body) };
      },
    };
    await registerReceiver(client, TEST_API_KEY, receiver, {
      eventTypes: ['live.participant.role.changed', 'live.participant.banned'],
    });
    const { id, hostToken } = await liveSession(stack, { mode: 'interactive' });
    const guest = uniqueUser('guest');
    const promoted = await stack.request('PUT', `/v1/sessions/${id}/participants/${guest}/role`, {
      token: hostToken,
      body: { role: 'guest' },
    });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    await eventually(() => receiver.forSession(id).length === 1, { what: 'the promotion' });
    receiver.answer = () => ({ status: 200, delayMs: 1500 });
    const ban = await stack.request('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId: guest } });
    assert.equal(ban.status, 201, JSON.stringify(ban.body));
    await eventually(() => receiver.forSession(id).length >= 3, { timeoutMs: 15_000, what: 'both events of the ban' });
    // Longer than a lease, so a second delivery of either would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const got = receiver.received.filter((d) => d.event.data.session.id === id);
    assert.deepEqual(
      got.map((d) => [d.event.type, d.event.data.sequence]),
      [
        ['live.participant.role.changed', 2],
        ['live.participant.role.changed', 3],
        ['live.participant.banned', 4],
      ],
      'each once, in sequence',
    );
  });

  it('holds a change’s later event back while its first is retried', async () => {
    // (Sequence 1 is the start, which this endpoint does not take.)
    receiver.answer = ({ event, nth }) => ({ status: event.type === 'live.participant.role.changed' && nth === 1 ? 503 : 200 });
    const { id, hostToken } = await liveSession(stack, { mode: 'interactive' });
    const guest = uniqueUser('guest');
    const promoted = await stack.request('PUT', `/v1/sessions/${id}/participants/${guest}/role`, {
      token: hostToken,
      body: { role: 'guest' },
    });
    assert.equal(promoted.status, 200);
    await eventually(() => receiver.forSession(id).length === 1, { timeoutMs: 15_000, what: 'the promotion, after its retry' });
    const ban = await stack.request('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId: guest } });
    assert.equal(ban.status, 201);
    await eventually(() => receiver.forSession(id).length === 3, { timeoutMs: 15_000, what: 'both events of the ban' });
    assert.deepEqual(
      receiver.received.filter((d) => d.event.data.session.id === id).map((d) => [d.event.data.sequence, d.status]),
      [
        [2, 503],
        [2, 200],
        [3, 503],
        [3, 200],
        [4, 200],
      ],
      'the ban’s second event waited for the first one’s retry',
    );
  });
});
