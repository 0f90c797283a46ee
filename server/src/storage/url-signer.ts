import { createHmac, timingSafeEqual } from 'node:crypto';
import { Errors } from '../errors.ts';

/**
 * Signs and checks the URLs golive serves stored files under: an HMAC-SHA256 over the key and the
 * expiry, so neither can be changed, checked in constant time. (A URL signature, not a token or
 * webhook scheme: nothing else speaks it.)
 */
export class UrlSigner {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
  }

  /** The signature of key until expiresAtSec (Unix seconds). */
  sign(key: string, expiresAtSec: number): string {
    return createHmac('sha256', this.#secret).update(`${key}\n${expiresAtSec}`).digest('base64url');
  }

  /**
   * Throws SIGNED_URL_REQUIRED without a signature, SIGNED_URL_INVALID when it does not match the
   * key and expiry (so a changed expiry is invalid, not expired), SIGNED_URL_EXPIRED after expiry.
   */
  verify(key: string, expires: string | undefined, signature: string | undefined, nowMs = Date.now()): void {
    if (!expires || !signature) throw new Errors.signedUrlRequired();
    // Strict shapes first: base64url decoding skips stray characters, which would let variants pass.
    if (!/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) throw new Errors.signedUrlInvalid();
    const expected = Buffer.from(this.sign(key, Number(expires)), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Errors.signedUrlInvalid();
    if (Number(expires) * 1000 <= nowMs) throw new Errors.signedUrlExpired(new Date(Number(expires) * 1000).toISOString());
  }
}
