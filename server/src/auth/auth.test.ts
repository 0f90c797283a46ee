import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { TokenVerifier } from 'livekit-server-sdk';
import { aUser, factories, serviceCaller } from '../../test/factories.ts';
import { TEST_API_KEY, TEST_JWT_SECRET, TestStack, uniqueUser } from '../../test/harness.ts';
import { Authenticator } from './authenticator.ts';

type ErrorBody = { code: string; statusCode: number };
type Grant = { token: string; role: string; identity: string; session: { id: string; hostId: string } };

const SECRET = new TextEncoder().encode(TEST_JWT_SECRET);
const ISSUER = 'https://tasks.example.com';
const AUDIENCE = 'golive';

/** A host-app token signed with the test secret; every part can be overridden to forge a bad one. */
async function hsToken(claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: number | string } = {}) {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '1h');
  if (options.iss !== undefined) jwt = jwt.setIssuer(options.iss);
  if (options.aud !== undefined) jwt = jwt.setAudience(options.aud);
  return jwt.sign(SECRET);
}

/** What jose's generateKeyPair returns as a private key (a WebCrypto CryptoKey). */
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Starts a public session hosted by a fresh user, through the API key acting for that user. */
async function publicSession(stack: TestStack): Promise<string> {
  // The app's backend goes live for the user with its API key.
  const hostId = uniqueUser('host');
  const host = { ...(await aUser('host', { id: hostId })), caller: serviceCaller({ userId: hostId }) };
  return (await factories(stack).goLive({ host, title: 'Auth probe' })).id;
}

/** The role a caller joins a public session as: an admin joins as a hidden observer, anyone else as a viewer. */
async function joinRole(stack: TestStack, sessionId: string, auth: { token?: string; headers?: Record<string, string> }) {
  const res = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, auth);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.role;
}

async function assertRejected(stack: TestStack, token: string, code = 'INVALID_TOKEN', status = 401) {
  const res = await stack.request<ErrorBody>('GET', '/v1/sessions', { token });
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
}

describe('HS256 user tokens with issuer, audience and a custom role claim', () => {
  let stack: TestStack;
  let sessionId: string;
  before(async () => {
    stack = await TestStack.start({
      env: { AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_ROLE_CLAIM: 'roles', AUTH_ADMIN_ROLE: 'superuser' },
      reconciler: false,
    });
    sessionId = await publicSession(stack);
  });
  after(async () => stack?.stop());

  it('accepts a token with the configured issuer and audience', async () => {
    const token = await hsToken({ sub: uniqueUser() }, { iss: ISSUER, aud: AUDIENCE });
    const res = await stack.request('GET', '/v1/sessions', { token });
    assert.equal(res.status, 200);
  });

  it('rejects a wrong or missing issuer or audience with 401 INVALID_TOKEN', async () => {
    const sub = uniqueUser();
    await assertRejected(stack, await hsToken({ sub }, { iss: 'https://evil.example.com', aud: AUDIENCE }));
    await assertRejected(stack, await hsToken({ sub }, { iss: ISSUER, aud: 'another-service' }));
    await assertRejected(stack, await hsToken({ sub }, { aud: AUDIENCE }));
    await assertRejected(stack, await hsToken({ sub }, { iss: ISSUER }));
  });

  it('rejects an expired token', async () => {
    const expired = await hsToken({ sub: uniqueUser() }, { iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) - 120 });
    await assertRejected(stack, expired);
  });

  it('rejects unsigned (alg none), wrongly signed and non-HS256 tokens', async () => {
    const claims = { sub: uniqueUser(), iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 };
    await assertRejected(stack, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    const good = await hsToken({ sub: claims.sub }, { iss: ISSUER, aud: AUDIENCE });
    const [header, , signature] = good.split('.');
    await assertRejected(stack, `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`);
    const otherSecret = await new SignJWT({ sub: claims.sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-of-more-than-32-characters'));
    await assertRejected(stack, otherSecret);
    const hs512 = await new SignJWT({ sub: claims.sub })
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(SECRET);
    await assertRejected(stack, hs512);
  });

  it('rejects a token without a usable sub, garbage and non-Bearer schemes; no credentials is UNAUTHENTICATED', async () => {
    await assertRejected(stack, await hsToken({ name: 'No Sub' }, { iss: ISSUER, aud: AUDIENCE }));
    await assertRejected(stack, await hsToken({ sub: 'has spaces in it' }, { iss: ISSUER, aud: AUDIENCE }));
    await assertRejected(stack, 'not.a.jwt');
    const basic = await stack.request<ErrorBody>('GET', '/v1/sessions', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.status, 401);
    assert.equal(basic.body.code, 'INVALID_TOKEN');
    const none = await stack.request<ErrorBody>('GET', '/v1/sessions');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'UNAUTHENTICATED');
  });

  it('marks admins by the configured role claim, as a string or an array', async () => {
    const asRoles = async (claims: Record<string, unknown>) =>
      joinRole(stack, sessionId, { token: await hsToken({ sub: uniqueUser(), ...claims }, { iss: ISSUER, aud: AUDIENCE }) });
    assert.equal(await asRoles({ roles: 'superuser' }), 'observer');
    assert.equal(await asRoles({ roles: ['editor', 'superuser'] }), 'observer');
    assert.equal(await asRoles({ roles: ['editor'] }), 'viewer');
    assert.equal(await asRoles({ roles: 'admin' }), 'viewer', 'only AUTH_ADMIN_ROLE marks an admin');
    assert.equal(await asRoles({ role: 'superuser' }), 'viewer', 'only AUTH_ROLE_CLAIM is read');
    assert.equal(await asRoles({ roles: 'superuser-not' }), 'viewer');
  });

  it('signs dev logins with the configured issuer, audience and role claim', async () => {
    const admin = await stack.request<{ token: string; user: { id: string; admin: boolean } }>('POST', '/v1/dev/login', {
      body: { name: 'Ada Admin', admin: true },
    });
    assert.equal(admin.status, 200);
    assert.equal(admin.body.user.admin, true);
    assert.equal(await joinRole(stack, sessionId, { token: admin.body.token }), 'observer');
    const user = await stack.request<{ token: string; user: { id: string } }>('POST', '/v1/dev/login', { body: { name: 'Bo' } });
    assert.equal(user.status, 200);
    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: user.body.token });
    assert.equal(joined.body.role, 'viewer');
    assert.equal(joined.body.identity, user.body.user.id);
    const again = await stack.request<{ user: { id: string } }>('POST', '/v1/dev/login', { body: { name: 'Bo' } });
    assert.equal(again.body.user.id, user.body.user.id, 'the same name signs in as the same user');
  });

  it('validates the dev login body', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'Ada', admin: 'yes' }, { name: 'Ada', extra: 1 }]) {
      const res = await stack.request<ErrorBody>('POST', '/v1/dev/login', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'VALIDATION_FAILED');
    }
  });

  it('takes the admin role from X-Golive-User-Role with the API key, compared with AUTH_ADMIN_ROLE', async () => {
    const headers = (role: string) => ({ 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser(), 'x-golive-user-role': role });
    assert.equal(await joinRole(stack, sessionId, { headers: headers('superuser') }), 'observer');
    assert.equal(await joinRole(stack, sessionId, { headers: headers('admin') }), 'viewer');
  });
});

describe('the server-to-server API key', () => {
  let stack: TestStack;
  let verifier: TokenVerifier;
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    verifier = new TokenVerifier(stack.livekitServer.endpoint.apiKey, stack.livekitServer.endpoint.apiSecret);
  });
  after(async () => stack?.stop());

  it('acts for the user named in X-Golive-User, with X-Golive-User-Name as the display name', async () => {
    const host = uniqueUser('task-agent');
    const res = await stack.request<Grant>('POST', '/v1/sessions', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': host, 'x-golive-user-name': 'Agent Smith' },
      body: { title: 'Task 123', mode: 'interactive', visibility: 'private', participants: ['requester-1'], externalRef: 'task_123' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.role, 'host');
    assert.equal(res.body.identity, host);
    const claims = await verifier.verify(res.body.token);
    assert.equal(claims.sub, host);
    assert.equal(claims.name, 'Agent Smith');

    const outsider = await stack.request<ErrorBody>('POST', `/v1/sessions/${res.body.session.id}/join`, {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser('outsider') },
    });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.code, 'SESSION_FORBIDDEN');
    const admin = await stack.request<Grant>('POST', `/v1/sessions/${res.body.session.id}/join`, {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser('auditor'), 'x-golive-user-role': 'admin' },
    });
    assert.equal(admin.status, 200);
    assert.equal(admin.body.role, 'observer', 'X-Golive-User-Role: admin makes the user an admin, who joins hidden');
  });

  it('without X-Golive-User is the app itself: it may read, but an action that needs a user is 400 USER_REQUIRED', async () => {
    const list = await stack.request('GET', '/v1/sessions', { headers: { 'x-api-key': TEST_API_KEY } });
    assert.equal(list.status, 200);
    const create = await stack.request<ErrorBody>('POST', '/v1/sessions', {
      headers: { 'x-api-key': TEST_API_KEY },
      body: { title: 'No user', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(create.status, 400);
    assert.equal(create.body.code, 'USER_REQUIRED');
  });

  it('rejects an unknown key with 401 INVALID_API_KEY, even next to a valid user token', async () => {
    const wrong = await stack.request<ErrorBody>('GET', '/v1/sessions', { headers: { 'x-api-key': `${TEST_API_KEY}x` } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'INVALID_API_KEY');
    const userJwt = await hsToken({ sub: uniqueUser() });
    const mixed = await stack.request<ErrorBody>('GET', '/v1/sessions', { token: userJwt, headers: { 'x-api-key': 'nope' } });
    assert.equal(mixed.status, 401);
    assert.equal(mixed.body.code, 'INVALID_API_KEY');
  });

  it('rejects a malformed X-Golive-User with 400 VALIDATION_FAILED', async () => {
    const res = await stack.request<ErrorBody>('GET', '/v1/sessions', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': 'not a valid id!' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
  });

  it('has a working dev login in dev mode', async () => {
    const res = await stack.request<{ token: string; user: { id: string } }>('POST', '/v1/dev/login', { body: { name: 'Ada' } });
    assert.equal(res.status, 200);
    const list = await stack.request('GET', '/v1/sessions', { token: res.body.token });
    assert.equal(list.status, 200);
  });
});

describe('user tokens verified with a JWKS', () => {
  let stack: TestStack;
  let jwksServer: Server;
  let jwksUrl: string;
  let signingKey: PrivateKey;
  let strangerKey: PrivateKey;
  let jwksFetches = 0;
  let sessionId: string;

  const esToken = (claims: Record<string, unknown>, key: PrivateKey = signingKey, kid = 'golive-test-1') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('1h').sign(key);

  before(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'golive-test-1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    // TestStack sets AUTH_JWT_SECRET by default; an empty value unsets it, so the JWKS is the only way in.
    stack = await TestStack.start({
      env: { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: jwksUrl, AUTH_ROLE_CLAIM: 'realm_access.roles', AUTH_ADMIN_ROLE: 'golive-admin' },
      reconciler: false,
    });
    sessionId = await publicSession(stack);
  });
  after(async () => {
    await stack?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  it('accepts a token signed by a key in the JWKS', async () => {
    const user = uniqueUser();
    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await esToken({ sub: user }) });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.identity, user);
    assert.ok(jwksFetches >= 1, 'golive fetched the JWKS');
  });

  it('rejects a token signed by another key, under a known or an unknown kid', async () => {
    await assertRejected(stack, await esToken({ sub: uniqueUser() }, strangerKey));
    await assertRejected(stack, await esToken({ sub: uniqueUser() }, strangerKey, 'unknown-kid'));
  });

  it('rejects HS256 tokens, even signed with the secret the stack would otherwise use', async () => {
    await assertRejected(stack, await hsToken({ sub: uniqueUser() }));
  });

  it('reads a nested role claim by its dotted path', async () => {
    const admin = await esToken({ sub: uniqueUser(), realm_access: { roles: ['offline_access', 'golive-admin'] } });
    assert.equal(await joinRole(stack, sessionId, { token: admin }), 'observer');
    const user = await esToken({ sub: uniqueUser(), realm_access: { roles: ['offline_access'] } });
    assert.equal(await joinRole(stack, sessionId, { token: user }), 'viewer');
  });

  it('has no dev login: it cannot sign tokens the JWKS would accept', async () => {
    const res = await stack.request<ErrorBody>('POST', '/v1/dev/login', { body: { name: 'Ada' } });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'ROUTE_NOT_FOUND');
  });

  it('answers 503 AUTH_UNAVAILABLE, not 401, when the JWKS cannot be fetched', async () => {
    const unreachable = new Authenticator({
      jwtSecret: null,
      // Port 9 (discard) on loopback: nothing listens, the connection is refused.
      jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
      issuer: null,
      audience: null,
      roleClaim: 'role',
      adminRole: 'admin',
      apiKeys: [],
      devLogin: false,
    });
    const token = await esToken({ sub: uniqueUser() });
    await assert.rejects(
      unreachable.authenticate({
        authorization: `Bearer ${token}`,
        apiKey: undefined,
        actAsUser: undefined,
        actAsName: undefined,
        actAsRole: undefined,
      }),
      (error: { code?: string; statusCode?: number }) => error.code === 'AUTH_UNAVAILABLE' && error.statusCode === 503,
    );
  });
});

describe('dev login in production mode', () => {
  let stack: TestStack;
  before(async () => {
    // TestStack provides DATABASE_URL, LIVEKIT_* and AUTH_JWT_SECRET: a complete production config.
    stack = await TestStack.start({ env: { GOLIVE_MODE: 'production' }, reconciler: false });
  });
  after(async () => stack?.stop());

  it('does not exist: 404 ROUTE_NOT_FOUND, and it is not in the OpenAPI document', async () => {
    assert.equal(stack.config.mode, 'production');
    const res = await stack.request<ErrorBody>('POST', '/v1/dev/login', { body: { name: 'Mallory', admin: true } });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'ROUTE_NOT_FOUND');
    const openapi = await stack.request<{ paths: Record<string, unknown> }>('GET', '/openapi.json');
    assert.ok(openapi.body.paths['/v1/sessions'], 'the document lists the real routes');
    assert.equal(openapi.body.paths['/v1/dev/login'], undefined);
  });

  it('still accepts host-app tokens and the API key', async () => {
    const jwt = await stack.request('GET', '/v1/sessions', { token: await hsToken({ sub: uniqueUser() }) });
    assert.equal(jwt.status, 200);
    const key = await stack.request('GET', '/v1/sessions', { headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser() } });
    assert.equal(key.status, 200);
  });
});
