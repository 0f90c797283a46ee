import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileOnce } from './secret-file.ts';

export type DevSecrets = { jwtSecret: string; apiKeys: string[] };

/** Reads the dev secrets kept in the data dir, generating them (mode 0600) on first use. */
export function loadDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  createFileOnce(file, () => {
    const secrets: DevSecrets = {
      jwtSecret: randomBytes(32).toString('base64url'),
      apiKeys: [`glk_${randomBytes(24).toString('hex')}`],
    };
    return `${JSON.stringify(secrets, null, 2)}\n`;
  });
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // reported below
  }
  if (!isDevSecrets(parsed)) {
    throw new Error(`${file} is not valid: delete it and golive generates new dev secrets (dev tokens signed before stop working)`);
  }
  return parsed;
}

function isDevSecrets(value: unknown): value is DevSecrets {
  const v = value as Partial<DevSecrets> | null;
  return (
    typeof v?.jwtSecret === 'string' &&
    v.jwtSecret.length >= 32 &&
    Array.isArray(v.apiKeys) &&
    v.apiKeys.every((k) => typeof k === 'string' && k.length >= 32)
  );
}
