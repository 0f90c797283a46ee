// Authorization matrix of sessions: create, get, join, end, events, lists, dev login and the
// LiveKit webhook × every kind of caller, table-driven. Each cell is the
// expected "status CODE" (or "status role" for joins, "200 listed" for lists); each row is
// compared whole, so a failure shows the full row. Every response is checked against /openapi.json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { aUser, factories } from '../factories.ts';
import { eventually, TEST_API_KEY, TEST_JWT_SECRET, TestStack, uniqueUser, userToken } from '../harness.ts';
import { type Caller, ContractClient, type ContractResponse, OpenapiContract } from '../openapi-validator.ts';
import { DOMAINS, type DomainOperation } from './domains.ts';
import { parseRow } from './matrix.ts';

// Debug logs too must not leak credentials (checked at the end).
process.env.GOLIVE_TEST_LOG_LEVEL ??= 'debug';

const PRINCIPALS = [
  'anonymous',
  'user', // signed in, unrelated to the session
  'host', // host of the session
  'otherHost', // host of a different live session
  'allowlisted', // in the session's participants
  'admin',
  'service', // API key alone: the app's backend
  'keyAsHost', // API key + X-Golive-User: the host
  'keyAsUser', // API key + X-Golive-User: an unrelated user
  'keyAsAdmin', // API key + X-Golive-User + X-Golive-User-Role: admin
] as const;
type Principal = (typeof PRINCIPALS)[number];

/** public: broadcast; private: interactive (allowlisted → guest); privateBroadcast: allowlisted → viewer. */
type Kind = 'public' | 'private' | 'privateBroadcast' | 'endedPrivate';
const KINDS: Record<Kind, { mode: 'broadcast' | 'interactive'; visibility: 'public' | 'private'; ended?: boolean }> = {
  public: { mode: 'broadcast', visibility: 'public' },
  private: { mode: 'interactive', visibility: 'private' },
  privateBroadcast: { mode: 'broadcast', visibility: 'private' },
  endedPrivate: { mode: 'interactive', visibility: 'private', ended: true },
};

/** One session with its own host and allowlisted participant. */
type World = { kind: Kind; sessionId: string; hostId: string; allowlistedId: string; externalRef: string; tag: string };

type Operation = DomainOperation<'sessions'>;

type Row = { operation: Operation; kind: Kind; expected: Record<Principal, string> };

const row = (operation: Operation, kind: Kind, cells: string): Row => ({
  operation,
  kind,
  expected: parseRow(PRINCIPALS, operation, kind, cells).expected,
});

const U = '401 UNAUTHENTICATED';
const SF = '403 SESSION_FORBIDDEN';
const F = '403 NOT_HOST';
const NF = '404 SESSION_NOT_FOUND';
const GONE = '410 SESSION_ENDED';
const UR = '400 USER_REQUIRED';
const LIVE = '409 HOST_ALREADY_LIVE';
const BADSIG = '401 WEBHOOK_SIGNATURE_INVALID';

// biome-ignore format: the table is the point
const MATRIX: Row[] = [
  //                                        anonymous | user        | host       | otherHost   | allowlisted | admin         | service       | keyAsHost  | keyAsUser   | keyAsAdmin
  row('createSession', 'public',            `${U}     | 201         | ${LIVE}    | ${LIVE}     | 201         | 201           | ${UR}         | ${LIVE}    | 201         | 201`),
  row('getSession', 'public',               `${U}     | 200         | 200        | 200         | 200         | 200           | 200           | 200        | 200         | 200`),
  row('getSession', 'private',              `${U}     | ${SF}       | 200        | ${SF}       | 200         | 200           | 200           | 200        | ${SF}       | 200`),
  row('getSession', 'endedPrivate',         `${U}     | ${SF}       | 200        | ${SF}       | 200         | 200           | 200           | 200        | ${SF}       | 200`),
  row('joinSession', 'public',              `${U}     | 200 viewer  | 200 host   | 200 viewer  | 200 viewer  | 200 observer  | ${UR}         | 200 host   | 200 viewer  | 200 observer`),
  row('joinSession', 'private',             `${U}     | ${SF}       | 200 host   | ${SF}       | 200 guest   | 200 observer  | ${UR}         | 200 host   | ${SF}       | 200 observer`),
  row('joinSession', 'privateBroadcast',    `${U}     | ${SF}       | 200 host   | ${SF}       | 200 viewer  | 200 observer  | ${UR}         | 200 host   | ${SF}       | 200 observer`),
  row('joinSession', 'endedPrivate',        `${U}     | ${SF}       | ${GONE}    | ${SF}       | ${GONE}     | ${GONE}       | ${UR}         | ${GONE}    | ${SF}       | ${GONE}`),
  row('endSession', 'public',               `${U}     | ${F}        | 200        | ${F}        | ${F}        | 200           | 200           | 200        | ${F}        | 200`),
  row('endSession', 'private',              `${U}     | ${SF}       | 200        | ${SF}       | ${F}        | 200           | 200           | 200        | ${SF}       | 200`),
  row('endSession', 'endedPrivate',         `${U}     | ${SF}       | ${GONE}    | ${SF}       | ${F}        | ${GONE}       | ${GONE}       | ${GONE}    | ${SF}       | ${GONE}`),
  row('listSessionEvents', 'public',        `${U}     | ${F}        | 200        | ${F}        | ${F}        | 200           | 200           | 200        | ${F}        | 200`),
  row('listSessionEvents', 'private',       `${U}     | ${SF}       | 200        | ${SF}       | ${F}        | 200           | 200           | 200        | ${SF}       | 200`),
  row('getSessionByExternalRef', 'public',  `${U}     | 200         | 200        | 200         | 200         | 200           | 200           | 200        | 200         | 200`),
  // A guessable reference must not reveal that a private session exists: 404, not 403.
  row('getSessionByExternalRef', 'private', `${U}     | ${NF}       | 200        | ${NF}       | 200         | 200           | 200           | 200        | ${NF}       | 200`),
  row('listSessions', 'public',             `${U}     | 200 listed  | 200 listed | 200 listed  | 200 listed  | 200 listed    | 200 listed    | 200 listed | 200 listed  | 200 listed`),
  row('listSessions', 'private',            `${U}     | 200 hidden  | 200 listed | 200 hidden  | 200 listed  | 200 listed    | 200 listed    | 200 listed | 200 hidden  | 200 listed`),
  row('devLogin', 'public',                 `200      | 200         | 200        | 200         | 200         | 200           | 200           | 200        | 200         | 200`),
  // An unsigned room_finished for the session, sent with each caller's credentials: none may end it.
  row('receiveLivekitWebhook', 'public',    `${BADSIG} | ${BADSIG}  | ${BADSIG}  | ${BADSIG}   | ${BADSIG}   | ${BADSIG}     | ${BADSIG}     | ${BADSIG}  | ${BADSIG}   | ${BADSIG}`),
];

/** Credentials that must be refused on every authenticated route, whoever they claim to be. */
const BAD_CREDENTIALS = ['badSignature', 'expired', 'algNone', 'noSubject', 'notBearer', 'badApiKey'] as const;
type BadCredential = (typeof BAD_CREDENTIALS)[number];
const BAD_CREDENTIAL_EXPECTED: Record<BadCredential, string> = {
  badSignature: '401 INVALID_TOKEN',
  expired: '401 INVALID_TOKEN',
  algNone: '401 INVALID_TOKEN',
  noSubject: '401 INVALID_TOKEN',
  notBearer: '401 INVALID_TOKEN',
  badApiKey: '401 INVALID_API_KEY',
};

describe('authorization matrix: sessions routes × every kind of caller', () => {
  let stack: TestStack;
  let client: ContractClient;
  let otherHostId: string;
  let otherHostToken: string;
  /** Every credential sent and every LiveKit token received, to look for in logs and errors. */
  const secrets = new Set<string>();
  const token = async (userId: string, options: { admin?: boolean } = {}) => {
    const value = await userToken(userId, options);
    secrets.add(value);
    return value;
  };

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
    otherHostId = uniqueUser('otherhost');
    otherHostToken = await token(otherHostId);
    await factories(client).goLive({ host: await aUser('otherhost', { id: otherHostId }), title: 'public session', tags: ['other'] });
  });
  after(async () => stack?.stop());

  function sessionBody(kind: Kind, tag: string) {
    const { mode, visibility } = KINDS[kind];
    return { title: `${kind} session`, mode, visibility, tags: [tag] };
  }

  async function createWorld(kind: Kind): Promise<World> {
    const hostId = uniqueUser('host');
    const allowlistedId = uniqueUser('allowed');
    const externalRef = `task_${hostId}`;
    const tag = `t-${hostId}`;
    const host = await aUser('host', { id: hostId });
    secrets.add(host.token);
    const { mode, visibility, ended } = KINDS[kind];
    const make = factories(client);
    const spec = { host, title: `${kind} session`, mode, visibility, tags: [tag], participants: [allowlistedId], externalRef };
    const session = ended ? await make.endedSession(spec) : await make.goLive(spec);
    return { kind, sessionId: session.id, hostId, allowlistedId, externalRef, tag };
  }

  async function callerFor(principal: Principal, world: World): Promise<{ caller: Caller; actor: string | null }> {
    switch (principal) {
      case 'anonymous':
        return { caller: {}, actor: null };
      case 'user': {
        const id = uniqueUser('user');
        return { caller: { token: await token(id) }, actor: id };
      }
      case 'host':
        return { caller: { token: await token(world.hostId) }, actor: world.hostId };
      case 'otherHost':
        return { caller: { token: otherHostToken }, actor: otherHostId };
      case 'allowlisted':
        return { caller: { token: await token(world.allowlistedId) }, actor: world.allowlistedId };
      case 'admin': {
        const id = uniqueUser('admin');
        return { caller: { token: await token(id, { admin: true }) }, actor: id };
      }
      case 'service':
        return { caller: { apiKey: TEST_API_KEY }, actor: 'service' };
      case 'keyAsHost':
        return { caller: { apiKey: TEST_API_KEY, actAs: { userId: world.hostId } }, actor: world.hostId };
      case 'keyAsUser': {
        const id = uniqueUser('user');
        return { caller: { apiKey: TEST_API_KEY, actAs: { userId: id } }, actor: id };
      }
      case 'keyAsAdmin': {
        const id = uniqueUser('admin');
        return { caller: { apiKey: TEST_API_KEY, actAs: { userId: id, role: 'admin' } }, actor: id };
      }
    }
  }

  /** Admin's view of the session, to check what a call did or did not change. */
  async function statusOf(world: World): Promise<string> {
    const res = await client.call<{ status: string }>('GET', `/v1/sessions/${world.sessionId}`, { apiKey: TEST_API_KEY });
    return res.body.status;
  }

  /** Calls one operation on the world's session and describes the answer as a matrix cell. */
  async function cell(operation: Operation, world: World, caller: Caller, actor: string | null): Promise<string> {
    const id = world.sessionId;
    const summarize = (res: ContractResponse<Record<string, unknown>>, detail?: string) => {
      const code = typeof res.body?.code === 'string' ? res.body.code : undefined;
      return [res.status, code ?? detail].filter((part) => part !== undefined).join(' ');
    };
    switch (operation) {
      case 'createSession': {
        const res = await client.call('POST', '/v1/sessions', { ...caller, json: sessionBody('public', world.tag) });
        if (res.status === 201) assert.equal((res.body.session as { host: { id: string } }).host.id, actor, 'the caller is the host');
        return summarize(res);
      }
      case 'getSession': {
        const res = await client.call('GET', `/v1/sessions/${id}`, caller);
        if (res.status === 200) assert.equal(res.body.id, id);
        return summarize(res);
      }
      case 'joinSession': {
        const res = await client.call('POST', `/v1/sessions/${id}/join`, caller);
        if (res.status !== 200) return summarize(res);
        assert.equal(res.body.identity, actor, 'the LiveKit identity is the caller');
        secrets.add(String(res.body.token));
        return summarize(res, String(res.body.role));
      }
      case 'endSession': {
        const wasLive = (await statusOf(world)) === 'live';
        const res = await client.call('POST', `/v1/sessions/${id}/end`, caller);
        if (res.status === 200) {
          assert.equal(res.body.endedBy, actor, 'who ended it is recorded');
          // The room deletion is an effect carried out right after the end commits.
          await eventually(async () => (await stack.services.livekit.listRooms([id])).length === 0, {
            what: 'the LiveKit room to be deleted',
          });
        } else if (wasLive) {
          assert.equal(await statusOf(world), 'live', 'a refused end leaves the session live');
        }
        return summarize(res);
      }
      case 'listSessionEvents': {
        const res = await client.call<{ events: Array<{ type: string }> }>('GET', `/v1/sessions/${id}/events`, caller);
        if (res.status === 200) assert.ok(res.body.events.some((e) => e.type === 'live.session.started'));
        return summarize(res as ContractResponse<Record<string, unknown>>);
      }
      case 'getSessionByExternalRef': {
        const res = await client.call('GET', `/v1/sessions/by-external-ref/${world.externalRef}`, caller);
        if (res.status === 200) assert.equal(res.body.id, id);
        return summarize(res);
      }
      case 'listSessions': {
        const res = await client.call<{ sessions: Array<{ id: string }> }>('GET', `/v1/sessions?tag=${world.tag}`, caller);
        if (res.status !== 200) return summarize(res as ContractResponse<Record<string, unknown>>);
        return summarize(
          res as ContractResponse<Record<string, unknown>>,
          res.body.sessions.some((s) => s.id === id) ? 'listed' : 'hidden',
        );
      }
      case 'devLogin': {
        const res = await client.call('POST', '/v1/dev/login', { ...caller, json: { name: `Dev ${uniqueUser()}` } });
        if (res.status === 200) secrets.add(String(res.body.token));
        return summarize(res);
      }
      case 'receiveLivekitWebhook': {
        const forged = JSON.stringify({ event: 'room_finished', id: `EV_${actor ?? 'x'}`, room: { name: id } });
        const res = await client.call('POST', '/v1/livekit/webhook', { ...caller, raw: forged, contentType: 'application/webhook+json' });
        assert.equal(await statusOf(world), 'live', 'a forged room_finished does not end the session');
        return summarize(res);
      }
    }
  }

  for (const { operation, kind, expected } of MATRIX) {
    it(`${operation} on a ${kind} session`, async () => {
      // Ending changes the session, so each caller gets a fresh one; reads share one per row.
      const fresh = operation === 'endSession';
      const shared = fresh ? null : await createWorld(kind);
      const actual = {} as Record<Principal, string>;
      for (const principal of PRINCIPALS) {
        const world = shared ?? (await createWorld(kind));
        const { caller, actor } = await callerFor(principal, world);
        actual[principal] = await cell(operation, world, caller, actor);
      }
      assert.deepEqual(actual, expected);
    });
  }

  async function badCredential(kind: BadCredential, userId: string): Promise<Caller> {
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    let value: string;
    switch (kind) {
      case 'badApiKey':
        return { apiKey: 'glk_test_not-the-key', actAs: { userId } };
      case 'notBearer':
        return { headers: { authorization: `Basic ${Buffer.from(`${userId}:pw`).toString('base64')}` } };
      case 'badSignature':
        value = await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(userId)
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('not-the-secret-0123456789-abcdefghij'));
        break;
      case 'expired':
        value = await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(userId)
          .setExpirationTime('-1m')
          .sign(secret);
        break;
      case 'algNone':
        value = new UnsecuredJWT({ role: 'admin' }).setSubject(userId).setExpirationTime('1h').encode();
        break;
      case 'noSubject':
        value = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret);
        break;
    }
    secrets.add(value);
    return { token: value };
  }

  const AUTHENTICATED: Operation[] = [
    'createSession',
    'getSession',
    'joinSession',
    'endSession',
    'listSessionEvents',
    'getSessionByExternalRef',
    'listSessions',
  ];

  it('refuses forged, expired, alg "none", subject-less, non-Bearer tokens and bad API keys on every authenticated route', async () => {
    // Each forged token claims to be the host, and an admin: neither may help.
    const world = await createWorld('private');
    const expected: Record<string, string> = {};
    const actual: Record<string, string> = {};
    for (const operation of AUTHENTICATED) {
      for (const kind of BAD_CREDENTIALS) {
        expected[`${operation} ${kind}`] = BAD_CREDENTIAL_EXPECTED[kind];
        actual[`${operation} ${kind}`] = await cell(operation, world, await badCredential(kind, world.hostId), null);
      }
    }
    assert.deepEqual(actual, expected);
    assert.equal(await statusOf(world), 'live');
  });

  it('ignores credentials on dev login, and the webhook trusts only its LiveKit signature', async () => {
    const world = await createWorld('public');
    for (const kind of BAD_CREDENTIALS) {
      const caller = await badCredential(kind, world.hostId);
      assert.equal(await cell('devLogin', world, caller, null), '200', `devLogin with ${kind}`);
      assert.equal(await cell('receiveLivekitWebhook', world, caller, null), BADSIG, `webhook with ${kind}`);
    }
  });

  it('covers every sessions operation of the document, and reports which statuses it exercised', (t) => {
    const operations = new Set(MATRIX.map((r) => r.operation));
    for (const { operation } of client.contract.operations()) {
      const id = operation.operationId ?? '';
      if (!operations.has(id as Operation)) t.diagnostic(`not in the sessions matrix (see authz/domains.ts): ${id}`);
    }
    for (const id of DOMAINS.sessions) assert.ok(operations.has(id), id);
    const cells = MATRIX.length * PRINCIPALS.length + AUTHENTICATED.length * BAD_CREDENTIALS.length + 2 * BAD_CREDENTIALS.length;
    t.diagnostic(`${cells} matrix cells; ${client.exchanges.length} requests, each validated against /openapi.json`);
    t.diagnostic(`documented (operation, status) pairs exercised: ${[...client.contract.seen].sort().join(', ')}`);
  });

  it('no error response or log line carries a credential or secret', () => {
    const all = [TEST_JWT_SECRET, TEST_API_KEY, stack.livekitServer.endpoint.apiSecret, ...secrets];
    assert.ok(secrets.size > 100, `collected ${secrets.size} tokens to look for`);
    for (const exchange of client.exchanges.filter((e) => e.status >= 400)) {
      for (const secret of all) assert.ok(!exchange.text.includes(secret), `${exchange.method} ${exchange.path} echoed a credential`);
    }
    const logs = stack.logs.text();
    assert.ok(logs.includes('"reqId"'), 'request logs were captured');
    for (const secret of all) assert.ok(!logs.includes(secret), `a credential reached the logs: ${secret.slice(0, 12)}…`);
  });
});
