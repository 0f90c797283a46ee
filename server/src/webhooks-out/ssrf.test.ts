// In production golive refuses to send webhooks to loopback, private, link-local and metadata
// addresses: at registration, and again at delivery, on the address it would connect to.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually, TEST_API_KEY, TestStack } from '../../test/harness.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { registerReceiver, WebhookReceiver } from '../../test/webhook-receiver.ts';
import { generateSecret } from './signer.ts';

type Delivery = { sessionId: string; status: string; attempts: Array<{ statusCode: number | null; error: string | null }> };

describe('webhook SSRF refusals in production mode', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  const apiKey = TEST_API_KEY;

  before(async () => {
    stack = await TestStack.start({ env: { GOLIVE_MODE: 'production', GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s' } });
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  it('refuses to register a URL on a loopback, private, link-local, metadata or reserved address', async () => {
    assert.equal(stack.config.mode, 'production');
    const refused = {
      [receiver.url]: /127\.0\.0\.1 is a loopback address/,
      [`http://localhost:${receiver.port}/hooks`]: /localhost resolves to .* loopback address/,
      'http://[::1]/hooks': /::1 is a loopback address/,
      'http://[::ffff:127.0.0.1]/hooks': /loopback address/,
      'http://10.0.0.7/hooks': /10\.0\.0\.7 is a private address/,
      'http://192.168.1.20/hooks': /private address/,
      'http://169.254.169.254/latest/meta-data': /169\.254\.169\.254 is a metadata address/,
      'http://[fe80::1]/hooks': /link-local address/,
      'http://0.0.0.0:8080/hooks': /0\.0\.0\.0 is a reserved address/,
    };
    for (const [url, why] of Object.entries(refused)) {
      const res = await stack.request<{ code: string; message: string }>('POST', '/v1/admin/webhook-endpoints', {
        headers: { 'x-api-key': apiKey },
        body: { url },
      });
      assert.equal(res.status, 400, url);
      assert.equal(res.body.code, 'WEBHOOK_URL_REFUSED', url);
      assert.match(res.body.message, why, url);
      assert.match(res.body.message, /GOLIVE_WEBHOOK_ALLOW_PRIVATE=true/, 'it says how to allow it');
    }
    const { items } = (
      await stack.request<{ items: unknown[] }>('GET', '/v1/admin/webhook-endpoints', { headers: { 'x-api-key': apiKey } })
    ).body;
    assert.equal(items.length, 0, 'nothing was registered');
  });

  it('refuses again at delivery, on the address it would connect to', async () => {
    // As if registered while the names resolved to public addresses, and pointed here since.
    for (const url of [receiver.url, `http://localhost:${receiver.port}/hooks`]) {
      await stack.services.db
        .insertInto('webhook_endpoints')
        .values({ id: randomUUID(), url, description: null, event_types: ['live.session.started'], secret: generateSecret() })
        .execute();
    }
    const { id } = await liveSession(stack);
    const log = await eventually(
      async () => {
        const res = await stack.request<{ items: Delivery[] }>('GET', '/v1/admin/webhook-deliveries?status=failed', {
          headers: { 'x-api-key': apiKey },
        });
        const mine = res.body.items.filter((d) => d.sessionId === id);
        return mine.length === 2 ? mine : null;
      },
      { timeoutMs: 15_000, what: 'both deliveries to fail for good' },
    );
    const errors = log.flatMap((d) => d.attempts.map((a) => a.error ?? '')).sort();
    assert.equal(errors.length, 4, 'two attempts each (at once, then after the 1 s step)');
    assert.ok(log.every((d) => d.attempts.every((a) => a.statusCode === null)));
    assert.ok(
      errors.some((e) => /refused to connect to 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /refused to connect to localhost: localhost resolves to .* loopback address/.test(e)),
      errors.join('\n'),
    );
    assert.equal(receiver.received.length, 0, 'no request reached the receiver');
  });

  it('allows private and loopback addresses with GOLIVE_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const allowing = await TestStack.start({
      env: { GOLIVE_MODE: 'production', GOLIVE_WEBHOOK_ALLOW_PRIVATE: 'true' },
      livekit: { server: stack.livekitServer, endpoint: stack.livekitServer.endpoint },
    });
    try {
      const client = {
        call: async <T>(method: string, path: string, o: Record<string, unknown>) => {
          const res = await allowing.request<T>(method, path, { headers: { 'x-api-key': String(o.apiKey) }, body: o.json });
          return { ...res, text: JSON.stringify(res.body) };
        },
      };
      await registerReceiver(client, apiKey, receiver, { eventTypes: ['live.session.started'] });
      const { id } = await liveSession(allowing);
      await eventually(() => receiver.forSession(id).length === 1, { what: 'the delivery to a loopback receiver' });
    } finally {
      await allowing.stop();
    }
  });
});
