// kill -9 of golive while webhook deliveries are pending and the receiver is down: after both come
// back, every event arrives, each once, in sequence per session. golive runs as a child process
// with its endpoint from GOLIVE_WEBHOOK_URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CrashRig } from './crash-rig.ts';
import { exitWithin } from './golive-process.ts';
import { eventually, uniqueUser, userToken } from './harness.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;

describe('kill -9 of golive with webhook deliveries pending and the receiver down', () => {
  let rig: CrashRig;
  let receiver: WebhookReceiver;

  before(async () => {
    rig = await CrashRig.start('golive-hooks-crash-');
    receiver = await WebhookReceiver.start();
    receiver.secrets = [SECRET];
    await receiver.stop();
  });

  after(async () => {
    await receiver?.stop();
    await rig?.stop();
  });

  const golive = () =>
    rig.golive({
      GOLIVE_WEBHOOK_URL: receiver.url,
      GOLIVE_WEBHOOK_SECRET: SECRET,
      // Long enough to outlast the outage below; short enough for a test.
      GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,2s,2s,3s,5s,10s,10s',
      LOG_LEVEL: 'warn',
    });
  const call = (method: string, path: string, token: string, body?: unknown) =>
    rig.call<{ session: { id: string } }>(method, path, token, body);

  it('delivers every event once after the restart, in sequence per session', async (t) => {
    const first = await golive();
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const token = await userToken(uniqueUser('host'));
      const created = await call('POST', '/v1/sessions', token, { title: `Crash ${i}`, mode: 'broadcast', visibility: 'public' });
      assert.equal(created.status, 201);
      const id = created.body.session.id;
      sessions.push(id);
      assert.equal((await call('PATCH', `/v1/sessions/${id}/settings`, token, { slowModeSec: i + 1 })).status, 200);
      assert.equal((await call('POST', `/v1/sessions/${id}/end`, token, {})).status, 200);
    }
    const pending = async () =>
      (
        await rig.db.query<{ n: number; tried: number }>(
          "select count(*)::int as n, count(*) filter (where attempts >= 1)::int as tried from outbox where kind = 'webhook.deliver' and status = 'pending'",
        )
      ).rows[0];
    // Only each session's first event is tried: the later ones wait behind it, in sequence.
    await eventually(
      async () => {
        const p = await pending();
        return p?.n === 12 && p.tried === 4;
      },
      { what: 'each session’s first delivery tried and failed (receiver down), the rest waiting' },
    );
    first.child.kill('SIGKILL');
    await exitWithin(first, 10_000);
    assert.equal((await pending())?.n, 12, 'all 12 deliveries still pending after the crash');
    assert.equal(receiver.received.length, 0);

    await receiver.listen();
    const restartedAt = Date.now();
    await golive();
    await eventually(() => receiver.accepted().length >= 12, { timeoutMs: 30_000, what: 'all 12 events to arrive' });
    // Whatever was still due or in flight settles before counting.
    await eventually(async () => (await pending())?.n === 0, { what: 'no delivery left pending' });
    t.diagnostic(`all delivered ${Date.now() - restartedAt} ms after the restart began`);
    const accepted = receiver.accepted();
    assert.equal(accepted.length, 12, 'each event arrived once');
    assert.equal(new Set(accepted.map((d) => d.id)).size, 12, 'twelve distinct webhook-ids');
    assert.ok(
      accepted.every((d) => d.verifiedWith.length === 1),
      'every one verified with GOLIVE_WEBHOOK_SECRET',
    );
    for (const id of sessions) {
      assert.deepEqual(
        receiver.forSession(id).map((d) => [d.event.data.sequence, d.event.type]),
        [
          [1, 'live.session.started'],
          [2, 'live.session.settings.changed'],
          [3, 'live.session.ended'],
        ],
        `session ${id} in sequence`,
      );
    }
    const endpoints = await rig.db.query('select id from webhook_endpoints where from_env');
    assert.equal(endpoints.rowCount, 1, 'the restart kept the same endpoint from GOLIVE_WEBHOOK_URL');
  });
});
