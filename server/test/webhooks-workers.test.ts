// Two golive instances with the worker role on one PostgreSQL: every event reaches every endpoint
// exactly once, whichever instance committed it and whichever one's poll retried it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, TEST_API_KEY, TestStack } from './harness.ts';
import { liveSession } from './realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from './webhook-receiver.ts';

const ENV = { OUTBOX_POLL_MS: '50', GOLIVE_WEBHOOK_RETRY_SCHEDULE: '500ms,500ms,500ms,1s,1s,1s,2s,2s' };

describe('webhooks with two worker instances', () => {
  let a: TestStack;
  let b: TestStack;
  const receivers: WebhookReceiver[] = [];
  before(async () => {
    a = await TestStack.start({ env: ENV });
    b = await TestStack.start({
      env: ENV,
      databaseUrl: a.databaseUrl,
      livekit: { server: a.livekitServer, endpoint: a.livekitServer.endpoint },
    });
  });
  after(async () => {
    for (const r of receivers) await r.stop();
    await b?.stopApp();
    await a?.stop();
  });

  const attempts = async (stack: TestStack) => (await stack.services.metrics.webhookAttempts.get()).values.reduce((n, v) => n + v.value, 0);

  it('give one accepted delivery per event and endpoint', async (t) => {
    const client = {
      call: async <T>(method: string, path: string, o: Record<string, unknown>) => {
        const res = await a.request<T>(method, path, { headers: { 'x-api-key': String(o.apiKey) }, body: o.json });
        return { ...res, text: JSON.stringify(res.body) };
      },
    };
    for (let i = 0; i < 2; i++) {
      const r = await WebhookReceiver.start();
      // Down at first: every first attempt fails, so the retries are the two pollers' work.
      r.answer = () => ({ status: 503 });
      await registerReceiver(client, TEST_API_KEY, r);
      receivers.push(r);
    }
    const sessions: string[] = [];
    for (let i = 0; i < 10; i++) {
      const stack = i % 2 === 0 ? a : b;
      const { id, hostToken } = await liveSession(stack);
      await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { slowModeSec: 1 } });
      await stack.request('POST', `/v1/sessions/${id}/end`, { token: hostToken, body: {} });
      sessions.push(id);
    }
    await eventually(() => receivers.every((r) => r.received.length >= 10), { what: 'failed first attempts' });
    for (const r of receivers) r.answer = () => ({ status: 200 });
    await eventually(() => receivers.every((r) => r.accepted().length >= 30), { timeoutMs: 30_000, what: '30 events at each endpoint' });
    await Promise.all([a.services.effects.idle(), b.services.effects.idle()]);
    const pending = await a.services.db
      .selectFrom('outbox')
      .select('id')
      .where('kind', '=', 'webhook.deliver')
      .where('status', '=', 'pending')
      .execute();
    assert.equal(pending.length, 0);
    for (const r of receivers) {
      const ids = r.accepted().map((d) => d.id);
      assert.equal(ids.length, 30, 'each event accepted once at this endpoint');
      assert.equal(new Set(ids).size, 30);
      for (const id of sessions) {
        assert.deepEqual(
          r.forSession(id).map((d) => d.event.data.sequence),
          [1, 2, 3],
          'in sequence',
        );
      }
    }
    const [byA, byB] = [await attempts(a), await attempts(b)];
    t.diagnostic(`attempts: instance a ${byA}, instance b ${byB}`);
    assert.equal(
      byA + byB,
      receivers.reduce((n, r) => n + r.received.length, 0),
      'every attempt came from one of the two',
    );
    assert.ok(byA > 0 && byB > 0, 'both instances delivered');
  });
});
