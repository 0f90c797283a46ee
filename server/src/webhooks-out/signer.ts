import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret: whsec_ and 32 random bytes in base64, as Standard Webhooks libraries read it. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign right now: the current one, and the one before it during its overlap. */
export function signingSecrets(
  endpoint: { secret: string; previous_secret: string | null; previous_secret_expires_at: Date | string | null },
  now: Date,
): string[] {
  const expires = endpoint.previous_secret_expires_at ? new Date(endpoint.previous_secret_expires_at).getTime() : 0;
  return endpoint.previous_secret && expires > now.getTime() ? [endpoint.secret, endpoint.previous_secret] : [endpoint.secret];
}

/**
 * Signs with the `standardwebhooks` library: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * for each secret, space-separated in one `webhook-signature` header. Keys are decoded once.
 */
export class Signer {
  readonly #keys = new LRUCache<string, Webhook>({ max: 1000 });

  headers(secrets: readonly string[], messageId: string, at: Date, body: string): Record<string, string> {
    const signatures = secrets.map((secret) => this.#webhook(secret).sign(messageId, at, body));
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    };
  }

  #webhook(secret: string): Webhook {
    let webhook = this.#keys.get(secret);
    if (!webhook) {
      webhook = new Webhook(secret);
      this.#keys.set(secret, webhook);
    }
    return webhook;
  }
}
