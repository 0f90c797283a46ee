// GET /v1/me: the caller as golive sees them, with the admin flag from the configured role claim.
// Unit tier: the app through inject() on in-memory ports (unit-app.ts); /v1/me needs no LiveKit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { TEST_API_KEY, TEST_JWT_SECRET, uniqueUser, userToken } from '../../test/harness.ts';
import { UnitApp } from '../../test/unit-app.ts';

type Me = { id: string; name: string; admin: boolean };

/** A token whose admin role sits in a nested claim, as Keycloak puts it. */
async function keycloakStyleToken(userId: string, roles: string[]): Promise<string> {
  return new SignJWT({ name: 'Kim Keycloak', realm_access: { roles } })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe('GET /v1/me', () => {
  let stack: UnitApp;
  before(async () => {
    // A role claim other than the default "role": clients must not need to know its name.
    stack = await UnitApp.start({ AUTH_ROLE_CLAIM: 'realm_access.roles', AUTH_ADMIN_ROLE: 'live-admin' });
  });
  after(async () => stack?.close());

  it('returns the id, name and admin flag read through AUTH_ROLE_CLAIM', async () => {
    const adminId = uniqueUser('kc-admin');
    const admin = await stack.request<Me>('GET', '/v1/me', { token: await keycloakStyleToken(adminId, ['user', 'live-admin']) });
    assert.equal(admin.status, 200, JSON.stringify(admin.body));
    assert.deepEqual(admin.body, { id: adminId, name: 'Kim Keycloak', admin: true });

    const userId = uniqueUser('kc-user');
    const user = await stack.request<Me>('GET', '/v1/me', { token: await keycloakStyleToken(userId, ['user']) });
    assert.deepEqual(user.body, { id: userId, name: 'Kim Keycloak', admin: false });

    // A top-level "role": "admin" claim means nothing under this configuration.
    const plain = await stack.request<Me>('GET', '/v1/me', { token: await userToken(uniqueUser('plain'), { admin: true }) });
    assert.equal(plain.body.admin, false);
  });

  it('describes the user an API key acts for, and refuses the key acting for nobody', async () => {
    const userId = uniqueUser('acted');
    const acted = await stack.request<Me>('GET', '/v1/me', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': userId, 'x-golive-user-name': 'Ada', 'x-golive-user-role': 'live-admin' },
    });
    assert.deepEqual(acted.body, { id: userId, name: 'Ada', admin: true });
    const service = await stack.request<{ code: string }>('GET', '/v1/me', { headers: { 'x-api-key': TEST_API_KEY } });
    assert.equal(service.status, 400);
    assert.equal(service.body.code, 'USER_REQUIRED');
  });

  it('needs credentials', async () => {
    const anonymous = await stack.request<{ code: string }>('GET', '/v1/me');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
  });
});
