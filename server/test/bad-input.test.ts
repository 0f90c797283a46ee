// Bad input on every route: each is a 4xx with a stable code and a message naming what to fix,
// the response matches /openapi.json, and nothing is written to PostgreSQL or LiveKit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AccessToken } from 'livekit-server-sdk';
import { StateProbe } from './db-snapshot.ts';
import { aUser, factories } from './factories.ts';
import { TEST_API_KEY, TEST_JWT_SECRET, TestStack, uniqueUser, userToken } from './harness.ts';
import { type CallOptions, ContractClient, OpenapiContract } from './openapi-validator.ts';

type Fixture = { sessionId: string; hostToken: string; userToken: string; externalRef: string };

type BadCase = {
  name: string;
  method: 'GET' | 'POST';
  path: (f: Fixture) => string;
  options?: (f: Fixture) => CallOptions | Promise<CallOptions>;
  status: number;
  code: string;
  /** Text the message must contain so the caller knows what to fix (a field path, a header). */
  mentions: string;
};

const validBody = { title: 'Valid title', mode: 'broadcast', visibility: 'public' };
const withBody = (overrides: Record<string, unknown>) => (f: Fixture) => ({ token: f.userToken, json: { ...validBody, ...overrides } });
const raw = (body: string, contentType?: string) => (f: Fixture) => ({ token: f.userToken, raw: body, contentType });
const invalid = (mentions: string) => ({ status: 400, code: 'VALIDATION_FAILED', mentions });
const badJson = { status: 400, code: 'INVALID_JSON', mentions: 'JSON' };
const notJson = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', mentions: 'application/json' };

const create = (name: string, options: BadCase['options'], expected: Omit<BadCase, 'name' | 'method' | 'path' | 'options'>): BadCase => ({
  name: `createSession: ${name}`,
  method: 'POST',
  path: () => '/v1/sessions',
  options,
  ...expected,
});

const CREATE_CASES: BadCase[] = [
  create('title is a number', withBody({ title: 5 }), invalid('body.title')),
  create('mode is not broadcast|interactive', withBody({ mode: 'x' }), invalid('body.mode')),
  create('visibility is not public|private', withBody({ visibility: 'secret' }), invalid('body.visibility')),
  create('maxDurationSec is a string', withBody({ maxDurationSec: '60' }), invalid('body.maxDurationSec')),
  create('maxDurationSec is fractional', withBody({ maxDurationSec: 60.5 }), invalid('body.maxDurationSec')),
  create('maxDurationSec below 5', withBody({ maxDurationSec: 4 }), invalid('body.maxDurationSec')),
  create('maxDurationSec above 24 h', withBody({ maxDurationSec: 86_401 }), invalid('body.maxDurationSec')),
  create('tags is not an array', withBody({ tags: 'news' }), invalid('body.tags')),
  create('a tag is a number', withBody({ tags: [5] }), invalid('body.tags.0')),
  create('title of 121 characters', withBody({ title: 'x'.repeat(121) }), invalid('body.title')),
  create('blank title', withBody({ title: '   ' }), invalid('body.title')),
  create('empty title', withBody({ title: '' }), invalid('body.title')),
  create('missing title', withBody({ title: undefined }), invalid('title')),
  create('tag of 31 characters', withBody({ tags: ['x'.repeat(31)] }), invalid('body.tags.0')),
  create('11 tags', withBody({ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), invalid('body.tags')),
  create('externalRef of 201 characters', withBody({ externalRef: 'x'.repeat(201) }), invalid('body.externalRef')),
  create('externalRef with a space', withBody({ externalRef: 'task 1' }), invalid('body.externalRef')),
  create('participants is not an array', withBody({ participants: 'bob' }), invalid('body.participants')),
  create('a participant id with bad characters', withBody({ participants: ['bob smith!'] }), invalid('body.participants.0')),
  create('51 participants', withBody({ participants: Array.from({ length: 51 }, (_, i) => `p${i}`) }), invalid('body.participants')),
  create('coverUrl is javascript:', withBody({ coverUrl: 'javascript:alert(1)' }), invalid('body.coverUrl')),
  create('unknown field hostId (mass assignment)', withBody({ hostId: 'someone-else' }), invalid('hostId')),
  create('unknown field status', withBody({ status: 'ended' }), invalid('status')),
  create('body is an array', (f) => ({ token: f.userToken, json: [validBody] }), invalid('body')),
  create('body is null', (f) => ({ token: f.userToken, json: null }), invalid('body')),
  create('no body at all', (f) => ({ token: f.userToken }), invalid('body')),
  create('truncated JSON', raw('{"title":', 'application/json'), badJson),
  create('empty JSON body', raw('', 'application/json'), badJson),
  create(
    '__proto__ in JSON',
    raw('{"__proto__":{"admin":true},"title":"a","mode":"broadcast","visibility":"public"}', 'application/json'),
    badJson,
  ),
  create('text/plain body', raw(JSON.stringify(validBody), 'text/plain'), notJson),
  create('form-encoded body', raw('title=a&mode=broadcast', 'application/x-www-form-urlencoded'), notJson),
  create('body over 64 KB', withBody({ title: 'x'.repeat(70_000) }), { status: 413, code: 'BODY_TOO_LARGE', mentions: 'bytes' }),
  create('API key without X-Golive-User', () => ({ apiKey: TEST_API_KEY, json: validBody }), {
    status: 400,
    code: 'USER_REQUIRED',
    mentions: 'X-Golive-User',
  }),
  create(
    'X-Golive-User with bad characters',
    () => ({ apiKey: TEST_API_KEY, actAs: { userId: 'bob smith!' }, json: validBody }),
    invalid('X-Golive-User'),
  ),
];

const get = (name: string, path: (f: Fixture) => string, expected: Omit<BadCase, 'name' | 'method' | 'path' | 'options'>): BadCase => ({
  name,
  method: 'GET',
  path,
  options: (f) => ({ token: f.userToken }),
  ...expected,
});

const LIST_CASES: BadCase[] = [
  get('listSessions: limit=0', () => '/v1/sessions?limit=0', invalid('querystring.limit')),
  get('listSessions: limit=101', () => '/v1/sessions?limit=101', invalid('querystring.limit')),
  get('listSessions: limit=abc', () => '/v1/sessions?limit=abc', invalid('querystring.limit')),
  get('listSessions: limit=1.5', () => '/v1/sessions?limit=1.5', invalid('querystring.limit')),
  get('listSessions: limit given twice', () => '/v1/sessions?limit=1&limit=2', invalid('querystring.limit')),
  get('listSessions: status=foo', () => '/v1/sessions?status=foo', invalid('querystring.status')),
  get('listSessions: bogus cursor', () => '/v1/sessions?cursor=bogus', invalid('querystring.cursor')),
  get(
    'listSessions: cursor that decodes to the wrong shape',
    () => `/v1/sessions?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
    invalid('querystring.cursor'),
  ),
  get('listSessions: empty tag', () => '/v1/sessions?tag=', invalid('querystring.tag')),
  get('listSessions: tag of 31 characters', () => `/v1/sessions?tag=${'x'.repeat(31)}`, invalid('querystring.tag')),
  get('listSessions: unknown query parameter', () => '/v1/sessions?host=someone', invalid('host')),
];

const BAD_IDS = ['not-a-uuid', '12345', '00000000-0000-0000-0000-00000000000g', `${'a'.repeat(36)}`];

const ID_CASES: BadCase[] = BAD_IDS.flatMap((id): BadCase[] => [
  get(`getSession: id ${id}`, () => `/v1/sessions/${id}`, invalid('params.id')),
  { ...get(`joinSession: id ${id}`, () => `/v1/sessions/${id}/join`, invalid('params.id')), method: 'POST' },
  {
    ...get(`endSession: id ${id}`, () => `/v1/sessions/${id}/end`, invalid('params.id')),
    method: 'POST',
    options: (f) => ({ token: f.hostToken }),
  },
  get(`listSessionEvents: id ${id}`, () => `/v1/sessions/${id}/events`, invalid('params.id')),
]);

const post = (
  name: string,
  path: (f: Fixture) => string,
  options: BadCase['options'],
  expected: Omit<BadCase, 'name' | 'method' | 'path' | 'options'>,
): BadCase => ({
  name,
  method: 'POST',
  path,
  options,
  ...expected,
});

const joinPath = (f: Fixture) => `/v1/sessions/${f.sessionId}/join`;
const endPath = (f: Fixture) => `/v1/sessions/${f.sessionId}/end`;
const eventsPath = (f: Fixture) => `/v1/sessions/${f.sessionId}/events`;

const SESSION_CASES: BadCase[] = [
  post('joinSession: unknown body field role', joinPath, (f) => ({ token: f.userToken, json: { role: 'host' } }), invalid('role')),
  post('joinSession: truncated JSON', joinPath, raw('{"x"', 'application/json'), badJson),
  post('joinSession: text/plain body', joinPath, raw('hello', 'text/plain'), notJson),
  // The host's own token: a valid body would end the session, so "nothing written" means something.
  post('endSession: reason is a number', endPath, (f) => ({ token: f.hostToken, json: { reason: 5 } }), invalid('body.reason')),
  post('endSession: empty reason', endPath, (f) => ({ token: f.hostToken, json: { reason: '' } }), invalid('body.reason')),
  post(
    'endSession: reason of 201 characters',
    endPath,
    (f) => ({ token: f.hostToken, json: { reason: 'x'.repeat(201) } }),
    invalid('body.reason'),
  ),
  post('endSession: unknown field force', endPath, (f) => ({ token: f.hostToken, json: { force: true } }), invalid('force')),
  post('endSession: truncated JSON', endPath, (f) => ({ token: f.hostToken, raw: '{"reason":', contentType: 'application/json' }), badJson),
  post('endSession: text/plain body', endPath, (f) => ({ token: f.hostToken, raw: 'bye', contentType: 'text/plain' }), notJson),
  {
    ...get('listSessionEvents: limit=0', (f) => `${eventsPath(f)}?limit=0`, invalid('querystring.limit')),
    options: (f) => ({ token: f.hostToken }),
  },
  {
    ...get('listSessionEvents: limit=501', (f) => `${eventsPath(f)}?limit=501`, invalid('querystring.limit')),
    options: (f) => ({ token: f.hostToken }),
  },
  {
    ...get('listSessionEvents: limit=abc', (f) => `${eventsPath(f)}?limit=abc`, invalid('querystring.limit')),
    options: (f) => ({ token: f.hostToken }),
  },
  {
    ...get('listSessionEvents: after=abc', (f) => `${eventsPath(f)}?after=abc`, invalid('querystring.after')),
    options: (f) => ({ token: f.hostToken }),
  },
  {
    ...get('listSessionEvents: after=-1', (f) => `${eventsPath(f)}?after=-1`, invalid('querystring.after')),
    options: (f) => ({ token: f.hostToken }),
  },
  {
    ...get('listSessionEvents: unknown query parameter', (f) => `${eventsPath(f)}?type=x`, invalid('type')),
    options: (f) => ({ token: f.hostToken }),
  },
  get('getSessionByExternalRef: 201 characters', () => `/v1/sessions/by-external-ref/${'x'.repeat(201)}`, invalid('params.externalRef')),
  get(
    'getSessionByExternalRef: 1000 characters (past the router limit)',
    () => `/v1/sessions/by-external-ref/${'x'.repeat(1000)}`,
    invalid('params'),
  ),
  get('getSession: bad percent-encoding in the path', () => '/v1/sessions/%E0%A4%A', invalid('params')),
  get('getSessionByExternalRef: a space', () => '/v1/sessions/by-external-ref/task%201', invalid('params.externalRef')),
  get('getSessionByExternalRef: a quote', () => "/v1/sessions/by-external-ref/task'1", invalid('params.externalRef')),
];

const login = (name: string, options: BadCase['options'], expected: Omit<BadCase, 'name' | 'method' | 'path' | 'options'>) =>
  post(`devLogin: ${name}`, () => '/v1/dev/login', options, expected);

const DEV_LOGIN_CASES: BadCase[] = [
  login('missing name', () => ({ json: {} }), invalid('name')),
  login('name is a number', () => ({ json: { name: 5 } }), invalid('body.name')),
  login('empty name', () => ({ json: { name: '' } }), invalid('body.name')),
  login('blank name', () => ({ json: { name: '   ' } }), invalid('body.name')),
  login('name of 61 characters', () => ({ json: { name: 'x'.repeat(61) } }), invalid('body.name')),
  login('admin is a string', () => ({ json: { name: 'Ann', admin: 'yes' } }), invalid('body.admin')),
  login('unknown field role', () => ({ json: { name: 'Ann', role: 'admin' } }), invalid('role')),
  login('truncated JSON', () => ({ raw: '{"name":', contentType: 'application/json' }), badJson),
  login('text/plain body', () => ({ raw: 'Ann', contentType: 'text/plain' }), notJson),
];

/** A body livekit-server could send, for the session of the fixture: a forged room_finished would end it. */
const roomFinished = (f: Fixture) =>
  JSON.stringify({ event: 'room_finished', id: 'EV_forged', createdAt: '1', room: { name: f.sessionId } });
const signedWith = async (body: string, apiKey: string, apiSecret: string) => {
  const token = new AccessToken(apiKey, apiSecret, { ttl: 300 });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
};
const signatureInvalid = { status: 401, code: 'WEBHOOK_SIGNATURE_INVALID', mentions: 'signature' };
const webhook = (name: string, options: BadCase['options'], expected = signatureInvalid) =>
  post(`receiveLivekitWebhook: ${name}`, () => '/v1/livekit/webhook', options, expected);

describe('bad input on every route: 4xx with a stable code, a message saying what to fix, nothing written', () => {
  let stack: TestStack;
  let client: ContractClient;
  let probe: StateProbe;
  let fixture: Fixture;

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
    probe = await StateProbe.open(stack);
    const host = await aUser('host');
    const externalRef = `task_${host.id}`;
    const created = await factories(client).goLive({ host, title: validBody.title, externalRef, extra: { participants: ['guest-1'] } });
    fixture = { sessionId: created.id, hostToken: host.token, userToken: await userToken(uniqueUser('caller')), externalRef };
  });
  after(async () => {
    await probe?.close();
    await stack?.stop();
  });

  const WEBHOOK_CASES: BadCase[] = [
    webhook('garbage, no Authorization', () => ({ raw: 'garbage', contentType: 'application/webhook+json' })),
    webhook('empty body, no Authorization', () => ({ raw: '', contentType: 'application/webhook+json' })),
    webhook('no body, no content type', () => ({})),
    webhook('garbage JSON content type, Authorization not a JWT', () => ({
      raw: '{"event":',
      contentType: 'application/json',
      headers: { authorization: 'not-a-jwt' },
    })),
    webhook('forged room_finished, no Authorization', (f) => ({ raw: roomFinished(f), contentType: 'application/webhook+json' })),
    webhook('forged room_finished signed with a golive user token', async (f) => ({
      raw: roomFinished(f),
      contentType: 'application/webhook+json',
      headers: { authorization: f.hostToken },
    })),
    webhook('room_finished signed with the JWT secret instead of the LiveKit secret', async (f) => {
      const body = roomFinished(f);
      return {
        raw: body,
        contentType: 'application/webhook+json',
        headers: { authorization: await signedWith(body, stack.livekitServer.endpoint.apiKey, TEST_JWT_SECRET) },
      };
    }),
    webhook('room_finished whose signature covers another body', async (f) => ({
      raw: roomFinished(f),
      contentType: 'application/webhook+json',
      headers: { authorization: await signedWith('{}', stack.livekitServer.endpoint.apiKey, stack.livekitServer.endpoint.apiSecret) },
    })),
    webhook('text/plain body', () => ({ raw: 'garbage', contentType: 'text/plain' }), notJson),
  ];

  const ALL = [...CREATE_CASES, ...LIST_CASES, ...ID_CASES, ...SESSION_CASES, ...DEV_LOGIN_CASES];

  for (const c of ALL) {
    it(c.name, async () => runCase(c));
  }
  it('receiveLivekitWebhook: garbage and forged bodies are 401 WEBHOOK_SIGNATURE_INVALID and change nothing', async () => {
    for (const c of WEBHOOK_CASES) await runCase(c);
  });

  async function runCase(c: BadCase): Promise<void> {
    const before = await probe.snapshot();
    const options = c.options ? await c.options(fixture) : {};
    const res = await client.call<{ code: string; message: string }>(c.method, c.path(fixture), options);
    assert.equal(res.status, c.status, `${c.name}: ${res.text}`);
    assert.equal(res.body.code, c.code, `${c.name}: ${res.text}`);
    assert.ok(res.body.message.includes(c.mentions), `${c.name}: the message should say what to fix (${c.mentions}): ${res.body.message}`);
    assert.deepEqual(await probe.snapshot(), before, `${c.name} wrote to the database or LiveKit`);
  }

  it('a missing but well-formed id is 404 SESSION_NOT_FOUND, not 400 or 500', async () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [
      ['GET', `/v1/sessions/${nil}`],
      ['POST', `/v1/sessions/${nil}/join`],
      ['POST', `/v1/sessions/${nil}/end`],
      ['GET', `/v1/sessions/${nil}/events`],
      ['GET', '/v1/sessions/by-external-ref/task_none'],
    ] as const) {
      const res = await client.call<{ code: string }>(method, path, { token: fixture.userToken });
      assert.deepEqual([res.status, res.body.code], [404, 'SESSION_NOT_FOUND'], `${method} ${path}`);
    }
  });

  it('the fixture session is untouched after all of it: still live, still in LiveKit', async () => {
    const res = await client.call<{ status: string; endedAt: string | null }>('GET', `/v1/sessions/${fixture.sessionId}`, {
      token: fixture.hostToken,
    });
    assert.equal(res.body.status, 'live');
    assert.equal((await stack.services.livekit.listRooms([fixture.sessionId])).length, 1);
  });

  it('control: the state probe does see a write (a valid start changes rows and rooms)', async () => {
    const before = await probe.snapshot();
    const res = await client.call('POST', '/v1/sessions', { token: await userToken(uniqueUser('host')), json: validBody });
    assert.equal(res.status, 201);
    const after = await probe.snapshot();
    assert.equal(after.rooms.length, before.rooms.length + 1);
    for (const table of ['sessions', 'session_members', 'session_events']) {
      assert.equal(after.tables[table]?.rows, (before.tables[table]?.rows ?? 0) + 1, table);
    }
  });

  it('no error response or log line carries a credential or secret', () => {
    const secrets = [TEST_JWT_SECRET, TEST_API_KEY, stack.livekitServer.endpoint.apiSecret, fixture.hostToken, fixture.userToken];
    for (const exchange of client.exchanges.filter((e) => e.status >= 400)) {
      for (const secret of secrets) assert.ok(!exchange.text.includes(secret), `${exchange.method} ${exchange.path} echoed a secret`);
    }
    const logs = stack.logs.text();
    assert.ok(logs.includes('"reqId"'), 'request logs were captured');
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret reached the logs');
  });
});
