import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenVerifier } from 'livekit-server-sdk';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';

type Grant = { token: string; livekitUrl: string; role: string; identity: string; session: { id: string; status: string } };
type Session = {
  id: string;
  status: string;
  viewerCount: number;
  externalRef: string | null;
  tags: string[];
  endedBy: string | null;
  endReason: string | null;
};

const body = (overrides: Record<string, unknown> = {}) => ({
  title: 'Morning walk',
  mode: 'broadcast',
  visibility: 'public',
  ...overrides,
});

describe('sessions API on real PostgreSQL and livekit-server', () => {
  let stack: TestStack;
  let verifier: TokenVerifier;
  before(async () => {
    stack = await TestStack.start({ env: { SESSION_STARTS_PER_HOUR: '3' } });
    const { apiKey, apiSecret } = stack.livekitServer.endpoint;
    verifier = new TokenVerifier(apiKey, apiSecret);
  });
  after(async () => stack?.stop());

  it('creates a live session with a LiveKit room and a host token with publish and roomAdmin grants', async () => {
    const host = uniqueUser('host');
    const res = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(host, { name: 'Hana' }),
      body: body({ tags: ['Dogs', 'dogs', 'Walk'] }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.role, 'host');
    assert.equal(res.body.session.status, 'live');
    assert.equal(res.body.livekitUrl, stack.services.livekit.clientUrl);
    const rooms = await stack.services.livekit.listRooms([res.body.session.id]);
    assert.equal(rooms.length, 1, 'the LiveKit room exists');
    const claims = await verifier.verify(res.body.token);
    assert.equal(claims.sub, host);
    assert.equal(claims.video?.room, res.body.session.id);
    assert.equal(claims.video?.canPublish, true);
    assert.equal(claims.video?.roomAdmin, true);
    assert.deepEqual(claims.video?.canPublishSources, ['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    assert.equal(claims.attributes?.['golive.role'], 'host');
    const ttl = Number(claims.exp) - Number(claims.nbf ?? claims.iat ?? 0);
    assert.ok(ttl > 0 && ttl <= stack.config.sessions.tokenTtlSec, `token ttl ${ttl}s is short`);
    const got = await stack.request<Session>('GET', `/v1/sessions/${res.body.session.id}`, { token: await userToken(uniqueUser()) });
    assert.deepEqual(got.body.tags, ['dogs', 'walk']);
  });

  it('gives a viewer subscribe and data only, and the same identity as its user id', async () => {
    const created = await stack.request<Grant>('POST', '/v1/sessions', { token: await userToken(uniqueUser('host')), body: body() });
    const viewer = uniqueUser('viewer');
    const joined = await stack.request<Grant>('POST', `/v1/sessions/${created.body.session.id}/join`, { token: await userToken(viewer) });
    assert.equal(joined.status, 200);
    assert.equal(joined.body.role, 'viewer');
    assert.equal(joined.body.identity, viewer);
    const claims = await verifier.verify(joined.body.token);
    assert.equal(claims.video?.canPublish, false);
    assert.equal(claims.video?.canSubscribe, true);
    assert.equal(claims.video?.canPublishData, true);
    assert.notEqual(claims.video?.roomAdmin, true);
    assert.equal(JSON.parse(claims.metadata ?? '{}').role, 'viewer');
  });

  it('refuses a second live session for the same host with 409 HOST_ALREADY_LIVE', async () => {
    const token = await userToken(uniqueUser('host'));
    assert.equal((await stack.request('POST', '/v1/sessions', { token, body: body() })).status, 201);
    const second = await stack.request<{ code: string }>('POST', '/v1/sessions', { token, body: body() });
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'HOST_ALREADY_LIVE');
  });

  it('private session: outsider 403, allowlisted participant publishes in interactive mode, admin joins hidden', async () => {
    const host = uniqueUser('agent');
    const requester = uniqueUser('requester');
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(host),
      body: body({ visibility: 'private', mode: 'interactive', participants: [requester], externalRef: `task_${host}` }),
    });
    const id = created.body.session.id;
    const outsider = await stack.request<{ code: string }>('POST', `/v1/sessions/${id}/join`, { token: await userToken(uniqueUser()) });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.code, 'SESSION_FORBIDDEN');
    const outsiderGet = await stack.request<{ code: string }>('GET', `/v1/sessions/${id}`, { token: await userToken(uniqueUser()) });
    assert.equal(outsiderGet.body.code, 'SESSION_FORBIDDEN');

    const member = await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, { token: await userToken(requester) });
    assert.equal(member.body.role, 'guest');
    assert.equal((await verifier.verify(member.body.token)).video?.canPublish, true);

    const admin = await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, {
      token: await userToken(uniqueUser('admin'), { admin: true }),
    });
    assert.equal(admin.body.role, 'observer');
    const adminClaims = await verifier.verify(admin.body.token);
    assert.equal(adminClaims.video?.hidden, true);
    assert.equal(adminClaims.video?.canPublish, false);
  });

  it('lists public live sessions newest first with a cursor, filtered by tag, and private ones only to members', async () => {
    const tag = `t${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await stack.request<Grant>('POST', '/v1/sessions', {
        token: await userToken(uniqueUser('host')),
        body: body({ tags: [tag], title: `s${i}` }),
      });
      ids.push(res.body.session.id);
    }
    const member = uniqueUser('member');
    const priv = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(uniqueUser('host')),
      body: body({ tags: [tag], visibility: 'private', participants: [member] }),
    });
    const viewerToken = await userToken(uniqueUser());
    const page1 = await stack.request<{ sessions: Session[]; nextCursor: string | null }>('GET', `/v1/sessions?tag=${tag}&limit=2`, {
      token: viewerToken,
    });
    assert.deepEqual(
      page1.body.sessions.map((s) => s.id),
      [ids[2], ids[1]],
    );
    assert.ok(page1.body.nextCursor);
    const page2 = await stack.request<{ sessions: Session[]; nextCursor: string | null }>(
      'GET',
      `/v1/sessions?tag=${tag}&limit=2&cursor=${page1.body.nextCursor}`,
      { token: viewerToken },
    );
    assert.deepEqual(
      page2.body.sessions.map((s) => s.id),
      [ids[0]],
    );
    assert.equal(page2.body.nextCursor, null);

    const asMember = await stack.request<{ sessions: Session[] }>('GET', `/v1/sessions?tag=${tag}`, { token: await userToken(member) });
    assert.ok(
      asMember.body.sessions.some((s) => s.id === priv.body.session.id),
      'a member sees the private session',
    );
    const asAdmin = await stack.request<{ sessions: Session[] }>('GET', `/v1/sessions?tag=${tag}`, {
      token: await userToken(uniqueUser(), { admin: true }),
    });
    assert.equal(asAdmin.body.sessions.length, 4, 'an admin sees every live session');
  });

  it("lists one host's ended sessions (their past lives), newest first, only those the caller may see", async () => {
    const host = uniqueUser('host');
    const token = await userToken(host);
    const ended: string[] = [];
    for (const visibility of ['public', 'private']) {
      const created = await stack.request<Grant>('POST', '/v1/sessions', { token, body: body({ visibility }) });
      await stack.request('POST', `/v1/sessions/${created.body.session.id}/end`, { token });
      ended.push(created.body.session.id);
    }
    const live = await stack.request<Grant>('POST', '/v1/sessions', { token, body: body() });
    const otherToken = await userToken(uniqueUser('host'));
    const other = await stack.request<Grant>('POST', '/v1/sessions', { token: otherToken, body: body() });
    await stack.request('POST', `/v1/sessions/${other.body.session.id}/end`, { token: otherToken });

    const mine = await stack.request<{ sessions: Session[] }>('GET', `/v1/sessions?status=ended&hostId=${host}`, { token });
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.body.sessions.map((s) => s.id),
      [ended[1], ended[0]],
      'both ended sessions, the private one too; not the live one, not another host’s',
    );
    const asLive = await stack.request<{ sessions: Session[] }>('GET', `/v1/sessions?hostId=${host}`, { token });
    assert.deepEqual(
      asLive.body.sessions.map((s) => s.id),
      [live.body.session.id],
    );
    const asOther = await stack.request<{ sessions: Session[] }>('GET', `/v1/sessions?status=ended&hostId=${host}`, {
      token: await userToken(uniqueUser()),
    });
    assert.deepEqual(
      asOther.body.sessions.map((s) => s.id),
      [ended[0]],
      'someone else sees the public one only',
    );
    const bad = await stack.request<{ code: string }>('GET', '/v1/sessions?hostId=not%20an%20id', { token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  });

  it('ends a session for its host: the room is deleted, who and why are recorded, and join gives 410', async () => {
    const host = uniqueUser('host');
    const token = await userToken(host);
    const created = await stack.request<Grant>('POST', '/v1/sessions', { token, body: body() });
    const id = created.body.session.id;
    const other = await stack.request<{ code: string }>('POST', `/v1/sessions/${id}/end`, { token: await userToken(uniqueUser()) });
    assert.equal(other.status, 403);
    const ended = await stack.request<Session>('POST', `/v1/sessions/${id}/end`, { token, body: { reason: 'done for today' } });
    assert.equal(ended.status, 200);
    assert.equal(ended.body.status, 'ended');
    assert.equal(ended.body.endedBy, host);
    assert.equal(ended.body.endReason, 'done for today');
    // The room deletion is an effect of the end: carried out right after commit, not before the answer.
    await eventually(async () => (await stack.services.livekit.listRooms([id])).length === 0, { what: 'the LiveKit room to be deleted' });
    const join = await stack.request<{ code: string }>('POST', `/v1/sessions/${id}/join`, { token: await userToken(uniqueUser()) });
    assert.equal(join.status, 410);
    assert.equal(join.body.code, 'SESSION_ENDED');
    const again = await stack.request<{ code: string }>('POST', `/v1/sessions/${id}/end`, { token });
    assert.equal(again.body.code, 'SESSION_ENDED');
    const events = await stack.request<{ events: { type: string; actorId: string; reason: string | null }[] }>(
      'GET',
      `/v1/sessions/${id}/events`,
      { token },
    );
    assert.deepEqual(
      events.body.events.map((e) => e.type).filter((t) => t.startsWith('live.session')),
      ['live.session.started', 'live.session.ended'],
    );
    const endEvent = events.body.events.find((e) => e.type === 'live.session.ended');
    assert.equal(endEvent?.actorId, host);
    assert.equal(endEvent?.reason, 'done for today');
  });

  it('answers "is task_123 live?" by external reference, and refuses a second live session for it', async () => {
    const ref = `task_${Date.now()}`;
    const createdBy = await stack.request<Grant>('POST', '/v1/sessions', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser('agent') },
      body: body({ externalRef: ref, visibility: 'private', mode: 'interactive', participants: ['requester-1'] }),
    });
    assert.equal(createdBy.status, 201);
    const lookup = await stack.request<Session>('GET', `/v1/sessions/by-external-ref/${ref}`, { headers: { 'x-api-key': TEST_API_KEY } });
    assert.equal(lookup.status, 200);
    assert.equal(lookup.body.status, 'live');
    assert.equal(lookup.body.externalRef, ref);
    const dup = await stack.request<{ code: string }>('POST', '/v1/sessions', {
      token: await userToken(uniqueUser('agent')),
      body: body({ externalRef: ref }),
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'EXTERNAL_REF_LIVE');
    const missing = await stack.request<{ code: string }>('GET', '/v1/sessions/by-external-ref/task_nope', {
      headers: { 'x-api-key': TEST_API_KEY },
    });
    assert.equal(missing.body.code, 'SESSION_NOT_FOUND');
  });

  it('rate-limits session starts per user per hour with 429 RATE_LIMITED', async () => {
    const token = await userToken(uniqueUser('host'));
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await stack.request<Grant & { code?: string }>('POST', '/v1/sessions', { token, body: body() });
      codes.push(res.body.code ?? String(res.status));
      if (res.status === 201) await stack.request('POST', `/v1/sessions/${res.body.session.id}/end`, { token });
    }
    assert.deepEqual(codes, ['201', '201', '201', 'RATE_LIMITED']);
  });
});

describe('session start cooldown', () => {
  let stack: TestStack;
  before(async () => {
    stack = await TestStack.start({ env: { SESSION_START_COOLDOWN_SEC: '60' }, reconciler: false });
  });
  after(async () => stack?.stop());

  it('makes a host wait between starts with 429 START_COOLDOWN', async () => {
    const token = await userToken(uniqueUser('host'));
    const first = await stack.request<Grant>('POST', '/v1/sessions', { token, body: body() });
    await stack.request('POST', `/v1/sessions/${first.body.session.id}/end`, { token });
    const second = await stack.request<{ code: string }>('POST', '/v1/sessions', { token, body: body() });
    assert.equal(second.status, 429);
    assert.equal(second.body.code, 'START_COOLDOWN');
    // A refusal by policy, not a failure: it must not count towards the start failure rate.
    const refusals = (await stack.services.metrics.sessionStartRefusals.get()).values;
    assert.equal(refusals.find((v) => v.labels.reason === 'cooldown')?.value, 1);
    assert.deepEqual((await stack.services.metrics.sessionStartFailures.get()).values, []);
    const failures = await stack.services.db.selectFrom('session_start_failures').selectAll().execute();
    assert.deepEqual(failures, []);
  });
});
