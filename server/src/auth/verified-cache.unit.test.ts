import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { eventually } from '../../test/harness.ts';
import { Authenticator } from './authenticator.ts';

const SECRET = 'verified-cache-test-secret-0123456789abcdef';
const config = {
  jwtSecret: SECRET,
  jwksUrl: null,
  issuer: null,
  audience: null,
  roleClaim: 'role',
  adminRole: 'admin',
  apiKeys: [],
  devLogin: false,
};

const sign = (sub: string, expiresInSec: number) =>
  new SignJWT({ name: sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSec)
    .sign(new TextEncoder().encode(SECRET));

const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  apiKey: undefined,
  actAsUser: undefined,
  actAsName: undefined,
  actAsRole: undefined,
});

describe('verified-token cache', () => {
  it('reuses a verification, but never past the token’s exp', async () => {
    const auth = new Authenticator(config);
    const token = await sign('short-lived', 2);
    const credentials = bearer(token);
    assert.equal((await auth.authenticate(credentials))?.userId, 'short-lived');
    assert.equal((await auth.authenticate(credentials))?.userId, 'short-lived', 'second call from the cache');
    const code = await eventually(
      async () => {
        try {
          await auth.authenticate(credentials);
          return undefined;
        } catch (error) {
          return (error as { code: string }).code;
        }
      },
      { timeoutMs: 5_000, intervalMs: 100, what: 'the expired token to be refused' },
    );
    assert.equal(code, 'INVALID_TOKEN');
  });

  it('does not cache failures: a tampered token is refused every time', async () => {
    const auth = new Authenticator(config);
    const token = `${await sign('someone', 60)}x`;
    const credentials = bearer(token);
    for (let i = 0; i < 2; i++) await assert.rejects(auth.authenticate(credentials), { code: 'INVALID_TOKEN' });
  });
});
