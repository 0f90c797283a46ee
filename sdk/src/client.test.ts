import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../server/test/harness.ts';
import { buildOpenApiDocument } from '../scripts/openapi-document.ts';
import { createGoliveClient, ERROR_STATUS, type GoliveClient, GoliveError, type GoliveErrorCode, isGoliveError } from './index.ts';

const newSession = { title: 'SDK walk', mode: 'broadcast', visibility: 'public' } as const;

/** Runs call, which must fail with a GoliveError of this status and code, and returns the error. */
async function rejectsWith(call: () => Promise<unknown>, status: number, code: GoliveErrorCode): Promise<GoliveError> {
  const error = await call().then(
    () => assert.fail(`expected ${status} ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GoliveError, `expected a GoliveError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  assert.ok(error.message.length > 0);
  if (status > 0) assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/, 'the server request id comes with the error');
  return error;
}

describe('@golive/sdk against a real golive (PostgreSQL + livekit-server)', () => {
  let stack: TestStack;
  const client = (token: string | (() => Promise<string>), fetch?: (r: Request) => Promise<Response>): GoliveClient =>
    createGoliveClient({ baseUrl: stack.baseUrl, token, ...(fetch ? { fetch } : {}) });
  const asUser = async (userId: string, options: { admin?: boolean } = {}) => client(await userToken(userId, options));

  before(async () => {
    stack = await TestStack.start();
  });
  after(async () => stack?.stop());

  it('runs the whole flow: create → list → get → join → events → end', async () => {
    const hostId = uniqueUser('host');
    const host = await asUser(hostId);
    const viewerId = uniqueUser('viewer');
    const viewer = await asUser(viewerId);
    const tag = `sdk${Date.now()}`;

    const created = await host.createSession({ ...newSession, tags: [tag], externalRef: `task_${hostId}` });
    assert.equal(created.role, 'host');
    assert.equal(created.identity, hostId);
    assert.equal(created.session.status, 'live');
    assert.equal(created.livekitUrl, stack.services.livekit.clientUrl);
    const id = created.session.id;

    const page = await viewer.listSessions({ tag });
    assert.deepEqual(
      page.sessions.map((s) => s.id),
      [id],
    );
    assert.equal(page.nextCursor, null);
    const got = await viewer.getSession(id);
    assert.equal(got.host.id, hostId);
    assert.deepEqual(got.tags, [tag]);
    assert.equal((await viewer.getSessionByExternalRef(`task_${hostId}`)).id, id);

    const joined = await viewer.joinSession(id);
    assert.equal(joined.role, 'viewer');
    assert.equal(joined.identity, viewerId);
    assert.equal(joined.session.id, id);
    assert.ok(joined.token.length > 0);

    const ended = await host.endSession(id, { reason: 'done walking' });
    assert.equal(ended.status, 'ended');
    assert.equal(ended.endedBy, hostId);
    assert.equal(ended.endReason, 'done walking');

    const { events, nextAfter } = await host.listSessionEvents(id);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'live.session.started');
    assert.ok(types.includes('live.session.ended'), `events: ${types.join(', ')}`);
    assert.equal(nextAfter, null);
    const firstOnly = await host.listSessionEvents(id, { limit: 1 });
    assert.equal(firstOnly.events.length, 1);
    assert.equal(firstOnly.nextAfter, firstOnly.events[0]?.id);
    const rest = await host.listSessionEvents(id, { after: firstOnly.nextAfter ?? undefined });
    assert.deepEqual(
      rest.events.map((e) => e.id),
      events.slice(1).map((e) => e.id),
    );
    assert.deepEqual(
      (await viewer.listSessions({ status: 'ended', tag })).sessions.map((s) => s.id),
      [id],
    );
  });

  it('pages listSessions with limit and cursor', async () => {
    const tag = `page${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await (await asUser(uniqueUser('host'))).createSession({ ...newSession, tags: [tag] })).session.id);
    const viewer = await asUser(uniqueUser());
    const first = await viewer.listSessions({ tag, limit: 2 });
    assert.deepEqual(
      first.sessions.map((s) => s.id),
      [ids[2], ids[1]],
    );
    assert.ok(first.nextCursor);
    const second = await viewer.listSessions({ tag, limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.sessions.map((s) => s.id),
      [ids[0]],
    );
  });

  it('throws GoliveError with the server code, status and request id for 400/401/403/404/409/410', async () => {
    const hostId = uniqueUser('host');
    const host = await asUser(hostId);
    const outsider = await asUser(uniqueUser('outsider'));
    const { session } = await host.createSession({ ...newSession, visibility: 'private' });

    const invalid = await rejectsWith(() => host.createSession({ ...newSession, title: '' }), 400, 'VALIDATION_FAILED');
    assert.ok(Array.isArray(invalid.details), 'validation issues are in details');
    await rejectsWith(() => createGoliveClient({ baseUrl: stack.baseUrl }).listSessions(), 401, 'UNAUTHENTICATED');
    await rejectsWith(() => client('not-a-jwt').getSession(session.id), 401, 'INVALID_TOKEN');
    await rejectsWith(() => createGoliveClient({ baseUrl: stack.baseUrl, apiKey: 'x'.repeat(40) }).listSessions(), 401, 'INVALID_API_KEY');
    await rejectsWith(() => outsider.joinSession(session.id), 403, 'SESSION_FORBIDDEN');
    await rejectsWith(() => outsider.getSession(session.id), 403, 'SESSION_FORBIDDEN');
    await rejectsWith(() => host.getSession(randomUUID()), 404, 'SESSION_NOT_FOUND');
    await rejectsWith(() => host.getSessionByExternalRef(`none_${hostId}`), 404, 'SESSION_NOT_FOUND');
    await rejectsWith(() => host.createSession(newSession), 409, 'HOST_ALREADY_LIVE');
    await host.endSession(session.id);
    const gone = await rejectsWith(() => host.joinSession(session.id), 410, 'SESSION_ENDED');
    await rejectsWith(() => host.endSession(session.id), 410, 'SESSION_ENDED');

    assert.ok(isGoliveError(gone, 'SESSION_ENDED'));
    assert.ok(!isGoliveError(gone, 'SESSION_NOT_FOUND'));
    assert.ok(!isGoliveError(new Error('x')));
    for (const code of [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'SESSION_FORBIDDEN',
      'SESSION_NOT_FOUND',
      'HOST_ALREADY_LIVE',
      'SESSION_ENDED',
    ] as const) {
      assert.ok(ERROR_STATUS[code] >= 400, `${code} is a known code with its status`);
    }
  });

  it('only the host or an admin reads events (403 NOT_HOST for a viewer)', async () => {
    const { session } = await (await asUser(uniqueUser('host'))).createSession(newSession);
    await rejectsWith(async () => (await asUser(uniqueUser())).listSessionEvents(session.id), 403, 'NOT_HOST');
    const asAdmin = await (await asUser(uniqueUser('admin'), { admin: true })).listSessionEvents(session.id);
    assert.equal(asAdmin.events[0]?.type, 'live.session.started');
  });

  it('lets a backend API key act for a user, with name and admin role', async () => {
    const backend = createGoliveClient({ baseUrl: stack.baseUrl, apiKey: TEST_API_KEY });
    await rejectsWith(() => backend.createSession(newSession), 400, 'USER_REQUIRED');

    const agentId = uniqueUser('agent');
    const requesterId = uniqueUser('requester');
    const agent = backend.actingAs({ userId: agentId, name: 'Agent Smith' });
    const grant = await agent.createSession({
      ...newSession,
      mode: 'interactive',
      visibility: 'private',
      participants: [requesterId],
      externalRef: `org/task#${agentId}`,
    });
    assert.equal(grant.session.host.id, agentId);
    assert.equal(grant.session.host.name, 'Agent Smith');
    assert.deepEqual(grant.session.participants, [requesterId]);

    // The external ref holds "/" and "#": it must arrive as one path segment.
    assert.equal((await agent.getSessionByExternalRef(`org/task#${agentId}`)).id, grant.session.id);
    assert.equal((await backend.actingAs({ userId: requesterId }).joinSession(grant.session.id)).role, 'guest');
    await rejectsWith(() => backend.actingAs({ userId: uniqueUser() }).joinSession(grant.session.id), 403, 'SESSION_FORBIDDEN');
    const observer = await backend.actingAs({ userId: uniqueUser('admin'), role: 'admin' }).joinSession(grant.session.id);
    assert.equal(observer.role, 'observer');
    const direct = createGoliveClient({ baseUrl: stack.baseUrl, apiKey: TEST_API_KEY, actAs: { userId: agentId } });
    assert.equal((await direct.endSession(grant.session.id)).endedBy, agentId);
  });

  it('calls the token provider before every request and sends credentials only in headers', async () => {
    const userId = uniqueUser('rotating');
    const issued: string[] = [];
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const provider = async () => {
      const token = await userToken(userId, { expiresIn: `${3600 + issued.length}s` });
      issued.push(token);
      return token;
    };
    const recordingFetch = (request: Request) => {
      seen.push({ url: request.url, authorization: request.headers.get('authorization') });
      return fetch(request);
    };
    const sdk = client(provider, recordingFetch);
    const { session } = await sdk.createSession(newSession);
    await sdk.getSession(session.id);
    await sdk.listSessions({ status: 'live' });
    await sdk.endSession(session.id);

    assert.equal(issued.length, 4, 'one provider call per request');
    assert.equal(new Set(issued).size, 4, 'each request used a freshly issued token');
    assert.deepEqual(
      seen.map((s) => s.authorization),
      issued.map((t) => `Bearer ${t}`),
    );
    for (const { url } of seen) {
      for (const token of issued) assert.ok(!url.includes(token), `no token in ${url}`);
    }

    const login = await sdk.devLogin({ name: `Dev ${userId}` });
    assert.equal(issued.length, 4, 'devLogin sends no credentials, so the provider is not asked');
    assert.equal(seen.at(-1)?.authorization, null);
    const asDev = client(login.token);
    assert.equal((await asDev.createSession(newSession)).session.host.id, login.user.id);
  });

  it('lets a failing token provider reject with its own error', async () => {
    const failure = new Error('signed out');
    await assert.rejects(client(async () => Promise.reject(failure)).listSessions(), (error) => error === failure);
  });

  it('reports an unreachable server as NETWORK_ERROR (status 0) and an abort as AbortError', async () => {
    const port = await new Promise<number>((resolvePort) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const offline = createGoliveClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'x' });
    const error = await rejectsWith(() => offline.listSessions(), 0, 'NETWORK_ERROR');
    assert.equal(error.requestId, undefined);

    const controller = new AbortController();
    controller.abort();
    const sdk = await asUser(uniqueUser());
    await assert.rejects(sdk.listSessions({}, { signal: controller.signal }), { name: 'AbortError' });
  });

  it('refuses contradictory options when the client is created', () => {
    assert.throws(() => createGoliveClient({ baseUrl: stack.baseUrl, token: 't', apiKey: TEST_API_KEY }), TypeError);
    assert.throws(() => createGoliveClient({ baseUrl: stack.baseUrl, token: 't', actAs: { userId: 'u' } }), TypeError);
    assert.throws(
      () => createGoliveClient({ baseUrl: stack.baseUrl, apiKey: TEST_API_KEY, actAs: { userId: 'u', name: 'Łukasz' } }),
      TypeError,
    );
  });

  it('generates from the same document the running server serves at /openapi.json', async () => {
    const served = await stack.request('GET', '/openapi.json');
    assert.equal(served.status, 200);
    assert.deepEqual(await buildOpenApiDocument({ databaseUrl: stack.databaseUrl }), served.body);
  });
});
