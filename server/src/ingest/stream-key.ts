import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'glsk_';
/** Longer input is no key of golive's: refused before it is hashed. */
const MAX_KEY_LENGTH = 128;

/**
 * A new stream key: 256 random bits, URL-safe (it is the RTMP stream name, a path segment), with
 * a prefix that makes a leaked key easy to recognise (secret scanners, logs).
 */
export function newStreamKey(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What golive stores and looks keys up by. A plain SHA-256 is enough: the key is 256 random bits,
 * so there is nothing to guess from its hash, and a lookup stays one index probe.
 */
export function hashStreamKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The hash to look up, or null for input that cannot be a key. */
export function lookupHashOf(key: string): string | null {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
  return hashStreamKey(key);
}
