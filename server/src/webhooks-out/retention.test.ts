// Endpoints that keep failing are disabled after days, and old deliveries are pruned: both on
// real PostgreSQL, with the clock moved by rewriting timestamps rather than by waiting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eventually, TEST_API_KEY, TestStack } from '../../test/harness.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from '../../test/webhook-receiver.ts';
import { pruneEffects } from '../effects/outbox.repository.ts';
import { pruneDeliveries } from './deliveries.repository.ts';

describe('webhook endpoints failing for days, and retention', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  const client = {
    call: async <T>(method: string, path: string, o: Record<string, unknown>) => {
      const res = await stack.request<T>(method, path, { headers: { 'x-api-key': String(o.apiKey) }, body: o.json });
      return { ...res, text: JSON.stringify(res.body) };
    },
  };

  before(async () => {
    // No reconciler: its full pass prunes old deliveries too, and would race the prune tested here.
    stack = await TestStack.start({ reconciler: false, env: { GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  it('disables an endpoint whose every attempt has failed for 5 days, and says why', async () => {
    const endpoint = await registerReceiver(client, TEST_API_KEY, receiver, { eventTypes: ['live.session.started'] });
    receiver.answer = () => ({ status: 500 });
    // Its failures began five days and a minute ago.
    await stack.services.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: sql`now() - interval '5 days 1 minute'` })
      .where('id', '=', endpoint.id)
      .execute();
    const { id } = await liveSession(stack);
    const disabled = await eventually(
      async () => {
        const list = await client.call<{ items: Array<{ id: string; enabled: boolean; disabledReason: string | null }> }>(
          'GET',
          '/v1/admin/webhook-endpoints',
          { apiKey: TEST_API_KEY },
        );
        return list.body.items.find((e) => e.id === endpoint.id && !e.enabled);
      },
      { what: 'the endpoint disabled' },
    );
    assert.match(disabled.disabledReason ?? '', /^every attempt failed since .* \(5 days\); last: answered 500$/);
    assert.equal(receiver.received.filter((d) => d.event.data.session.id === id).length, 1, 'no retry after disabling');
    const metric = await stack.services.metrics.webhookEndpointsDisabled.get();
    assert.equal(metric.values.find((v) => v.labels.reason === 'failing')?.value, 1);
  });

  it('prunes finished deliveries and their attempts after the retention; the outbox’s own prune leaves them alone', async () => {
    const { db } = stack.services;
    // The delivery the test above gave up on: its runner marks it failed just after the endpoint is disabled.
    const finished = await eventually(
      async () => {
        const rows = await db.selectFrom('outbox').select(['id', 'status']).where('kind', '=', 'webhook.deliver').execute();
        const done = rows.filter((r) => r.status !== 'pending').map((r) => r.id);
        return done.length > 0 ? done : null;
      },
      { what: 'a finished delivery' },
    );
    await db.updateTable('outbox').set({ done_at: sql`now() - interval '31 days'` }).where('id', 'in', finished).execute();
    const attemptsOf = async () =>
      (await db.selectFrom('webhook_attempts').select('id').where('delivery_id', 'in', finished).execute()).length;
    assert.ok((await attemptsOf()) > 0);
    await pruneEffects(db, 7 * 86_400, { exceptKinds: ['webhook.deliver'] });
    assert.equal(
      (await db.selectFrom('outbox').select('id').where('id', 'in', finished).execute()).length,
      finished.length,
      'kept 30 days, not 7',
    );
    assert.ok((await pruneDeliveries(db, 30 * 86_400)) >= finished.length);
    assert.equal((await db.selectFrom('outbox').select('id').where('id', 'in', finished).execute()).length, 0, 'pruned after 30 days');
    assert.equal(await attemptsOf(), 0, 'their attempts went with them');
  });
});
