const KEY = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/** Keys golive writes are plain paths: no '..', no empty or dot-led segments, no odd characters. */
export function isValidKey(key: string): boolean {
  return key.length <= 512 && KEY.test(key);
}

export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
}

/** Prefixes given to list/deletePrefix: a valid key, optionally ending with '/'. */
export function assertValidPrefix(prefix: string): void {
  if (prefix !== '' && !isValidKey(prefix.replace(/\/$/, ''))) throw new Error(`invalid storage prefix ${JSON.stringify(prefix)}`);
}
