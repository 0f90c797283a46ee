import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UrlSigner } from './url-signer.ts';

const signer = new UrlSigner('k'.repeat(40));
const KEY = 'recordings/abc/recording.mp4';
const NOW = 1_800_000_000_000;
const expires = NOW / 1000 + 60;

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'accepted';
};

describe('UrlSigner', () => {
  it('accepts its own signature until the expiry, then answers SIGNED_URL_EXPIRED', () => {
    const signature = signer.sign(KEY, expires);
    assert.match(signature, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires), signature, NOW)),
      'accepted',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires), signature, expires * 1000)),
      'SIGNED_URL_EXPIRED',
    );
  });

  it('a changed key, expiry or signature, or another secret, is SIGNED_URL_INVALID; a missing part SIGNED_URL_REQUIRED', () => {
    const signature = signer.sign(KEY, expires);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(
      codeOf(() => signer.verify(`${KEY}x`, String(expires), signature, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires + 1), signature, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires), flipped, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, `${expires}.0`, signature, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires), `${signature}=`, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => new UrlSigner('o'.repeat(40)).verify(KEY, String(expires), signature, NOW)),
      'SIGNED_URL_INVALID',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, undefined, signature, NOW)),
      'SIGNED_URL_REQUIRED',
    );
    assert.equal(
      codeOf(() => signer.verify(KEY, String(expires), undefined, NOW)),
      'SIGNED_URL_REQUIRED',
    );
  });
});
