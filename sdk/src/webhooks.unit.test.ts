import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError } from './webhooks.ts';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('verifyWebhook', () => {
  const event = { type: 'live.session.started', timestamp: new Date().toISOString(), data: { sequence: 1 } };
  const body = JSON.stringify(event);

  it('returns the event when any signature matches, from fetch Headers, Node headers or bytes', () => {
    const [oldSecret, newSecret] = [secret(), secret()];
    const at = new Date();
    const signature = [oldSecret, newSecret].map((s) => new Webhook(s).sign('evt_7', at, body)).join(' ');
    const plain = { 'webhook-id': 'evt_7', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
    assert.deepEqual(verifyWebhook(body, new Headers(plain), oldSecret), event);
    assert.deepEqual(verifyWebhook(Buffer.from(body), { ...plain, 'Webhook-Id': undefined }, newSecret), event);
    const upper = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k.toUpperCase(), [v]]));
    assert.deepEqual(verifyWebhook(body, upper, newSecret), event, 'header names in any case, values as arrays');
  });

  it('throws WebhookVerificationError for another secret, a changed body, or an old timestamp', () => {
    const s = secret();
    const old = new Date(Date.now() - 10 * 60_000);
    const headers = (at: Date) => ({
      'webhook-id': 'evt_8',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(s).sign('evt_8', at, body),
    });
    assert.throws(() => verifyWebhook(body, headers(new Date()), secret()), WebhookVerificationError);
    assert.throws(() => verifyWebhook(`${body} `, headers(new Date()), s), WebhookVerificationError);
    assert.throws(() => verifyWebhook(body, headers(old), s), /too old/);
  });
});
