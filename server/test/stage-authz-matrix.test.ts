// Authorization matrix for issue 4's routes (stage, moderation, reports, settings, chat) × every
// kind of caller, table-driven like authz-matrix.test.ts. Each principal is set up for real
// through the API: the guest by request and approval, the co-host by setParticipantRole, the
// banned user by a ban. Every response, set-up calls included, is checked against /openapi.json.
// Each row runs on a fresh session, once public and once private.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GoliveRealtime, SessionSubscription } from '../../sdk/src/realtime/realtime-client.ts';
import { TestStack, uniqueUser, userToken } from './harness.ts';
import { type Caller, ContractClient, type ContractResponse, OpenapiContract } from './openapi-validator.ts';
import { RealtimeClients } from './realtime-clients.ts';

const PRINCIPALS = [
  'anonymous',
  'viewer', // signed in and joined as a viewer (on the private session: a named participant)
  'banned', // a viewer the host banned
  'guest', // a viewer who asked and was approved
  'cohost', // promoted by the host
  'host',
  'otherHost', // host of another live session: a plain viewer here, an outsider of a private session
  'admin',
] as const;
type Principal = (typeof PRINCIPALS)[number];

type Operation =
  | 'listParticipants'
  | 'listStageRequests'
  | 'requestStage'
  | 'cancelStageRequest'
  | 'approveStageRequest'
  | 'rejectStageRequest'
  | 'inviteToStage'
  | 'acceptStageInvite'
  | 'declineStageInvite'
  | 'leaveStage'
  | 'setParticipantRole'
  | 'muteParticipant'
  | 'kickParticipant'
  | 'banParticipant'
  | 'listBans'
  | 'unbanParticipant'
  | 'reportSession'
  | 'listReports'
  | 'resolveReport'
  | 'updateSessionSettings'
  | 'listMessages'
  | 'deleteMessage'
  | 'pinMessage'
  | 'unpinMessage';

/** Operations not scoped to one session: a private session changes nothing for them. */
const GLOBAL_OPERATIONS: Operation[] = ['listReports', 'resolveReport'];

type Row = { operation: Operation; variant: string; expected: Record<Principal, string> };

const row = (operation: Operation, variant: string, cells: string): Row => {
  const values = cells.trim().split(/\s*\|\s*/);
  assert.equal(values.length, PRINCIPALS.length, `${operation} ${variant}: one cell per principal`);
  return { operation, variant, expected: Object.fromEntries(PRINCIPALS.map((p, i) => [p, values[i]])) as Record<Principal, string> };
};

const U = '401 UNAUTHENTICATED';
const NM = '403 NOT_MODERATOR';
const NH = '403 NOT_HOST';
const NA = '403 NOT_ADMIN';
const CTC = '403 CANNOT_TARGET_COHOST';
const HCL = '403 HOST_CANNOT_LEAVE';
const B = '403 BANNED';
const SF = '403 SESSION_FORBIDDEN';
const HOST = '403 CANNOT_TARGET_HOST';
const NC = '404 PARTICIPANT_NOT_CONNECTED';
const RNF = '404 REQUEST_NOT_FOUND';
const AOS = '409 ALREADY_ON_STAGE';
const NOS = '409 NOT_ON_STAGE';

// Expected on a public session. Moderators are the host, co-hosts and admins; co-hosts never act
// on the host or on other co-hosts, and never make co-hosts; nobody but admins reads reports.
// biome-ignore format: the table is the point
const MATRIX: Row[] = [
  //                                                     anonymous | viewer     | banned | guest      | cohost     | host       | otherHost  | admin
  row('listParticipants', 'all',                        `${U}      | 200        | ${B}   | 200        | 200        | 200        | 200        | 200`),
  // "all": sees someone else's pending request; "own": only the caller's.
  row('listStageRequests', 'pending from another user', `${U}      | 200 own    | ${B}   | 200 own    | 200 all    | 200 all    | 200 own    | 200 all`),
  row('requestStage', 'own',                            `${U}      | 201        | ${B}   | ${AOS}     | ${AOS}     | ${AOS}     | 201        | 201`),
  // The caller first asks to come on stage (which only viewers and admins can), then withdraws.
  row('cancelStageRequest', 'own',                      `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row('approveStageRequest', 'a viewer’s request',      `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('rejectStageRequest', 'a viewer’s request',       `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('inviteToStage', 'a viewer',                      `${U}      | ${NM}      | ${B}   | ${NM}      | 201        | 201        | ${NM}      | 201`),
  // The host invites the caller; callers who cannot be invited (banned, already on stage) get a
  // stranger's invite instead, which is not theirs to answer.
  row('acceptStageInvite', 'own',                       `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row('acceptStageInvite', 'someone else’s',            `${U}      | ${RNF}     | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}`),
  row('declineStageInvite', 'own',                      `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row('declineStageInvite', 'someone else’s',           `${U}      | ${RNF}     | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}`),
  row('leaveStage', 'self',                             `${U}      | ${NOS}     | ${B}   | 204        | 204        | ${HCL}     | ${NOS}     | ${NOS}`),
  row('setParticipantRole', 'viewer → guest',           `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('setParticipantRole', 'guest → viewer',           `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('setParticipantRole', 'viewer → cohost',          `${U}      | ${NM}      | ${B}   | ${NM}      | ${NH}      | 200        | ${NM}      | 200`),
  row('setParticipantRole', 'cohost → viewer',          `${U}      | ${NM}      | ${B}   | ${NM}      | ${NH}      | 200        | ${NM}      | 200`),
  row('setParticipantRole', 'host → viewer',            `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  // Nobody is connected to LiveKit here: an authorized mute or kick reaches "not connected".
  row('muteParticipant', 'a guest',                     `${U}      | ${NM}      | ${B}   | ${NM}      | ${NC}      | ${NC}      | ${NM}      | ${NC}`),
  row('muteParticipant', 'the host',                    `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row('muteParticipant', 'another co-host',             `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | ${NC}      | ${NM}      | ${NC}`),
  row('kickParticipant', 'a guest',                     `${U}      | ${NM}      | ${B}   | ${NM}      | ${NC}      | ${NC}      | ${NM}      | ${NC}`),
  row('kickParticipant', 'the host',                    `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row('kickParticipant', 'another co-host',             `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | ${NC}      | ${NM}      | ${NC}`),
  row('banParticipant', 'a viewer',                     `${U}      | ${NM}      | ${B}   | ${NM}      | 201        | 201        | ${NM}      | 201`),
  row('banParticipant', 'the host',                     `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row('banParticipant', 'another co-host',              `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | 201        | ${NM}      | 201`),
  row('listBans', 'all',                                `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('unbanParticipant', 'a banned viewer',            `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
  row('reportSession', 'the session',                   `${U}      | 201        | ${B}   | 201        | 201        | 201        | 201        | 201`),
  row('listReports', 'open',                            `${U}      | ${NA}      | ${NA}  | ${NA}      | ${NA}      | ${NA}      | ${NA}      | 200`),
  row('resolveReport', 'a viewer’s report',             `${U}      | ${NA}      | ${NA}  | ${NA}      | ${NA}      | ${NA}      | ${NA}      | 200`),
  row('updateSessionSettings', 'slow mode',             `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('listMessages', 'history',                        `${U}      | 200        | ${B}   | 200        | 200        | 200        | 200        | 200`),
  row('deleteMessage', 'a viewer’s message',            `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
  row('pinMessage', 'a viewer’s message',               `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row('unpinMessage', 'the pin',                        `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
];

type Kind = 'public' | 'private';

/**
 * On a private session (broadcast, so named participants join as viewers) the table is the same,
 * except that the host of another session is an outsider there: 403 SESSION_FORBIDDEN on every
 * session route. And an admin who is not a named participant cannot be invited there (an invite
 * names a user id, which does not say "admin"), so they answer a stranger's invite instead.
 */
function expectedFor(kind: Kind, r: Row): Record<Principal, string> {
  if (kind === 'public' || GLOBAL_OPERATIONS.includes(r.operation)) return r.expected;
  const adminInvite = r.variant === 'own' && (r.operation === 'acceptStageInvite' || r.operation === 'declineStageInvite');
  return { ...r.expected, otherHost: SF, ...(adminInvite ? { admin: RNF } : {}) };
}

/** One session with every principal set up through the API. */
type World = {
  kind: Kind;
  id: string;
  hostId: string;
  host: Caller;
  viewerId: string;
  bannedId: string;
  guestId: string;
  cohostId: string;
  adminId: string;
  /** A user allowed in the session who has done nothing yet (on the private session: from its allowlist). */
  fresh(): string;
};

type Participant = { userId: string; role: string; connected: boolean };
type StageRequest = { id: string; userId: string; kind: string; status: string };
type Report = { id: string; reporterId: string; status: string; resolvedBy: string | null };
type Message = { id: string };

describe('authorization matrix: issue 4 routes × every kind of caller', () => {
  let stack: TestStack;
  let client: ContractClient;
  let otherHostId: string;
  const realtime = new RealtimeClients();
  const chatSenders = new Map<string, SessionSubscription>();

  before(async () => {
    // Chat rows send one message per cell from the same viewer.
    stack = await TestStack.start({ reconciler: false, env: { CHAT_RATE_LIMIT_MESSAGES: '1000' } });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
    otherHostId = uniqueUser('otherhost');
    const other = await client.call('POST', '/v1/sessions', {
      token: await userToken(otherHostId),
      json: { title: 'Another show', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(other.status, 201, other.text);
  });
  after(async () => {
    realtime.closeAll();
    await stack?.stop();
  });

  const as = async (userId: string, options: { admin?: boolean } = {}): Promise<Caller> => ({ token: await userToken(userId, options) });

  async function expectStatus<T = Record<string, unknown>>(
    status: number,
    method: string,
    path: string,
    options: Parameters<ContractClient['call']>[2],
  ): Promise<ContractResponse<T>> {
    const res = await client.call<T>(method, path, options);
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
    return res;
  }

  async function createWorld(kind: Kind): Promise<World> {
    const hostId = uniqueUser('host');
    const host = await as(hostId);
    const pool = Array.from({ length: 40 }, () => uniqueUser('member'));
    const [viewerId, bannedId, guestId, cohostId] = ['viewer', 'banned', 'guest', 'cohost'].map((p) => uniqueUser(p)) as [
      string,
      string,
      string,
      string,
    ];
    const created = await expectStatus<{ session: { id: string } }>(201, 'POST', '/v1/sessions', {
      ...host,
      json: {
        title: `${kind} stage`,
        mode: 'broadcast',
        visibility: kind,
        ...(kind === 'private' ? { participants: [viewerId, bannedId, guestId, cohostId, ...pool] } : {}),
        settings: { maxGuests: 20 },
      },
    });
    const id = created.body.session.id;
    const s = `/v1/sessions/${id}`;
    const fresh = () => (kind === 'private' ? (pool.pop() ?? assert.fail('pool exhausted')) : uniqueUser('fresh'));
    const joinRole = async (userId: string, options: { admin?: boolean } = {}) => {
      const res = await client.call<{ role: string; code: string }>('POST', `${s}/join`, await as(userId, options));
      return res.status === 200 ? res.body.role : `${res.status} ${res.body.code}`;
    };

    assert.equal(await joinRole(viewerId), 'viewer');
    assert.equal(await joinRole(bannedId), 'viewer');
    await expectStatus(201, 'POST', `${s}/bans`, { ...host, json: { userId: bannedId, reason: 'matrix' } });
    assert.equal(await joinRole(bannedId), B);
    const ask = await expectStatus<StageRequest>(201, 'POST', `${s}/stage/requests`, await as(guestId));
    await expectStatus(200, 'POST', `${s}/stage/requests/${ask.body.id}/approve`, host);
    assert.equal(await joinRole(guestId), 'guest');
    await expectStatus(200, 'PUT', `${s}/participants/${cohostId}/role`, { ...host, json: { role: 'cohost' } });
    assert.equal(await joinRole(cohostId), 'cohost');
    const adminId = uniqueUser('admin');
    assert.equal(await joinRole(adminId, { admin: true }), 'observer');
    assert.equal(await joinRole(otherHostId), kind === 'public' ? 'viewer' : SF);
    return { kind, id, hostId, host, viewerId, bannedId, guestId, cohostId, adminId, fresh };
  }

  async function callerFor(principal: Principal, world: World): Promise<{ caller: Caller; actor: string | null }> {
    switch (principal) {
      case 'anonymous':
        return { caller: {}, actor: null };
      case 'viewer':
        return { caller: await as(world.viewerId), actor: world.viewerId };
      case 'banned':
        return { caller: await as(world.bannedId), actor: world.bannedId };
      case 'guest':
        return { caller: await as(world.guestId), actor: world.guestId };
      case 'cohost':
        return { caller: await as(world.cohostId), actor: world.cohostId };
      case 'host':
        return { caller: world.host, actor: world.hostId };
      case 'otherHost':
        return { caller: await as(otherHostId), actor: otherHostId };
      case 'admin':
        return { caller: await as(world.adminId, { admin: true }), actor: world.adminId };
    }
  }

  // ---- the host's view of the session, to check what a call did or did not change ----
  const roleOf = async (world: World, userId: string) => {
    const res = await expectStatus<{ participants: Participant[] }>(200, 'GET', `/v1/sessions/${world.id}/participants`, world.host);
    return res.body.participants.find((p) => p.userId === userId)?.role ?? 'viewer';
  };
  const pending = async (world: World) => {
    const res = await expectStatus<{ requests: StageRequest[] }>(200, 'GET', `/v1/sessions/${world.id}/stage/requests`, world.host);
    return res.body.requests;
  };
  const pendingIds = async (world: World) => (await pending(world)).map((r) => r.id);
  const bannedIds = async (world: World) => {
    const res = await expectStatus<{ bans: Array<{ userId: string }> }>(200, 'GET', `/v1/sessions/${world.id}/bans`, world.host);
    return res.body.bans.map((b) => b.userId);
  };
  const messageIds = async (world: World) => {
    const res = await expectStatus<{ messages: Message[] }>(200, 'GET', `/v1/sessions/${world.id}/messages`, world.host);
    return res.body.messages.map((m) => m.id);
  };
  /** A chat message from the world's viewer, sent over realtime as a client would. */
  const sendMessage = async (world: World): Promise<string> => {
    let sub = chatSenders.get(world.id);
    if (!sub) {
      const rt: GoliveRealtime = await realtime.connect(stack, world.viewerId);
      sub = await rt.subscribe(world.id);
      chatSenders.set(world.id, sub);
    }
    return (await sub.send(`hello ${uniqueUser('m')}`)).id;
  };
  const invite = (world: World, userId: string) =>
    client.call<StageRequest>('POST', `/v1/sessions/${world.id}/stage/invites`, { ...world.host, json: { userId } });
  const inviteStranger = async (world: World) =>
    (
      await expectStatus<StageRequest>(201, 'POST', `/v1/sessions/${world.id}/stage/invites`, {
        ...world.host,
        json: { userId: world.fresh() },
      })
    ).body.id;

  const summarize = (res: ContractResponse<unknown>, detail?: string) => {
    const code = (res.body as { code?: unknown } | null)?.code;
    return [res.status, typeof code === 'string' ? code : detail].filter((part) => part !== undefined).join(' ');
  };

  /** Calls one operation as one principal on a fresh fixture and describes the answer as a matrix cell. */
  async function cell(r: Row, world: World, principal: Principal, index: number): Promise<string> {
    const { caller, actor } = await callerFor(principal, world);
    const s = `/v1/sessions/${world.id}`;
    const op = `${r.operation} (${r.variant}) as ${principal}`;
    switch (`${r.operation}:${r.variant}`) {
      case 'listParticipants:all': {
        const res = await client.call<{ participants: Participant[] }>('GET', `${s}/participants`, caller);
        if (res.status === 200) {
          const roles = Object.fromEntries(res.body.participants.map((p) => [p.userId, p.role]));
          assert.deepEqual(
            [roles[world.hostId], roles[world.cohostId], roles[world.guestId]],
            ['host', 'cohost', 'guest'],
            `${op}: roles are listed`,
          );
        }
        return summarize(res);
      }
      case 'listStageRequests:pending from another user': {
        const asker = world.fresh();
        const ask = await expectStatus<StageRequest>(201, 'POST', `${s}/stage/requests`, await as(asker));
        const res = await client.call<{ requests: StageRequest[] }>('GET', `${s}/stage/requests`, caller);
        if (res.status !== 200) return summarize(res);
        const ids = res.body.requests.map((q) => q.id);
        if (ids.includes(ask.body.id)) return summarize(res, 'all');
        assert.ok(
          res.body.requests.every((q) => q.userId === actor),
          `${op}: a non-moderator sees only their own`,
        );
        return summarize(res, 'own');
      }
      case 'requestStage:own': {
        const res = await client.call<StageRequest>('POST', `${s}/stage/requests`, caller);
        if (res.status === 201) assert.deepEqual([res.body.userId, res.body.status], [actor, 'pending'], op);
        return summarize(res);
      }
      case 'cancelStageRequest:own': {
        if (actor) await client.call('POST', `${s}/stage/requests`, caller);
        const res = await client.call<StageRequest>('DELETE', `${s}/stage/requests/mine`, caller);
        if (res.status === 200) assert.deepEqual([res.body.userId, res.body.status], [actor, 'cancelled'], op);
        return summarize(res);
      }
      case 'approveStageRequest:a viewer’s request':
      case 'rejectStageRequest:a viewer’s request': {
        const asker = world.fresh();
        const ask = await expectStatus<StageRequest>(201, 'POST', `${s}/stage/requests`, await as(asker));
        const decision = r.operation === 'approveStageRequest' ? 'approve' : 'reject';
        const res = await client.call<StageRequest>('POST', `${s}/stage/requests/${ask.body.id}/${decision}`, caller);
        if (res.status === 200) {
          assert.equal(res.body.status, decision === 'approve' ? 'approved' : 'rejected', op);
          assert.equal(await roleOf(world, asker), decision === 'approve' ? 'guest' : 'viewer', op);
        } else {
          assert.ok((await pendingIds(world)).includes(ask.body.id), `${op}: a refused decision leaves the request pending`);
          assert.equal(await roleOf(world, asker), 'viewer', op);
        }
        return summarize(res);
      }
      case 'inviteToStage:a viewer': {
        const invitee = world.fresh();
        const res = await client.call<StageRequest>('POST', `${s}/stage/invites`, { ...caller, json: { userId: invitee } });
        if (res.status === 201) assert.deepEqual([res.body.userId, res.body.kind, res.body.status], [invitee, 'invite', 'pending'], op);
        else assert.ok(!(await pending(world)).some((q) => q.userId === invitee), `${op}: a refused invite is not created`);
        return summarize(res);
      }
      case 'acceptStageInvite:own':
      case 'declineStageInvite:own':
      case 'acceptStageInvite:someone else’s':
      case 'declineStageInvite:someone else’s': {
        let inviteId: string | undefined;
        if (actor && r.variant === 'own') {
          const own = await invite(world, actor);
          if (own.status === 201) inviteId = own.body.id;
        }
        inviteId ??= await inviteStranger(world);
        const answer = r.operation === 'acceptStageInvite' ? 'accept' : 'decline';
        const res = await client.call<StageRequest>('POST', `${s}/stage/invites/${inviteId}/${answer}`, caller);
        if (res.status === 200) {
          assert.deepEqual([res.body.userId, res.body.status], [actor, answer === 'accept' ? 'accepted' : 'declined'], op);
          if (actor) assert.equal(await roleOf(world, actor), answer === 'accept' ? 'guest' : 'viewer', op);
        } else {
          assert.ok((await pendingIds(world)).includes(inviteId), `${op}: the invite stays pending`);
        }
        return summarize(res);
      }
      case 'leaveStage:self': {
        const res = await client.call('POST', `${s}/stage/leave`, caller);
        if (res.status === 204 && actor) assert.equal(await roleOf(world, actor), 'viewer', `${op}: off the stage`);
        return summarize(res);
      }
      case 'setParticipantRole:viewer → guest':
      case 'setParticipantRole:guest → viewer':
      case 'setParticipantRole:viewer → cohost':
      case 'setParticipantRole:cohost → viewer':
      case 'setParticipantRole:host → viewer': {
        const [from, to] = r.variant.split(' → ') as [string, 'guest' | 'viewer' | 'cohost'];
        let target: string;
        if (from === 'host') target = world.hostId;
        else {
          target = world.fresh();
          if (from !== 'viewer')
            await expectStatus(200, 'PUT', `${s}/participants/${target}/role`, { ...world.host, json: { role: from } });
        }
        const res = await client.call<{ userId: string; role: string }>('PUT', `${s}/participants/${target}/role`, {
          ...caller,
          json: { role: to },
        });
        if (res.status === 200) assert.deepEqual(res.body, { userId: target, role: to }, op);
        assert.equal(await roleOf(world, target), res.status === 200 ? to : from, `${op}: the role the host sees`);
        return summarize(res);
      }
      case 'muteParticipant:a guest':
      case 'muteParticipant:the host':
      case 'muteParticipant:another co-host':
      case 'kickParticipant:a guest':
      case 'kickParticipant:the host':
      case 'kickParticipant:another co-host': {
        const target = await moderationTarget(world, r.variant);
        const [path, json] =
          r.operation === 'muteParticipant'
            ? [`${s}/participants/${target}/mute`, { kind: 'video' }]
            : [`${s}/participants/${target}/kick`, { reason: 'matrix' }];
        return summarize(await client.call('POST', path, { ...caller, json }));
      }
      case 'banParticipant:a viewer':
      case 'banParticipant:the host':
      case 'banParticipant:another co-host': {
        const target = r.variant === 'a viewer' ? world.fresh() : await moderationTarget(world, r.variant);
        const res = await client.call<{ userId: string; reason: string | null }>('POST', `${s}/bans`, {
          ...caller,
          json: { userId: target, reason: 'matrix', durationSec: 600 },
        });
        if (res.status === 201) assert.deepEqual([res.body.userId, res.body.reason], [target, 'matrix'], op);
        assert.equal((await bannedIds(world)).includes(target), res.status === 201, `${op}: the ban list`);
        return summarize(res);
      }
      case 'listBans:all': {
        const res = await client.call<{ bans: Array<{ userId: string }> }>('GET', `${s}/bans`, caller);
        if (res.status === 200)
          assert.ok(
            res.body.bans.some((b) => b.userId === world.bannedId),
            op,
          );
        return summarize(res);
      }
      case 'unbanParticipant:a banned viewer': {
        const target = world.fresh();
        await expectStatus(201, 'POST', `${s}/bans`, { ...world.host, json: { userId: target } });
        const res = await client.call('DELETE', `${s}/bans/${target}`, caller);
        assert.equal((await bannedIds(world)).includes(target), res.status !== 204, `${op}: the ban list`);
        return summarize(res);
      }
      case 'reportSession:the session': {
        const res = await client.call<Report>('POST', `${s}/reports`, { ...caller, json: { reason: `matrix ${principal}` } });
        if (res.status === 201) assert.deepEqual([res.body.reporterId, res.body.status], [actor, 'open'], op);
        return summarize(res);
      }
      case 'listReports:open': {
        const res = await client.call<{ reports: Report[] }>('GET', '/v1/admin/reports?status=open', caller);
        if (res.status === 200)
          assert.ok(
            res.body.reports.every((q) => q.status === 'open'),
            op,
          );
        return summarize(res);
      }
      case 'resolveReport:a viewer’s report': {
        const report = await expectStatus<Report>(201, 'POST', `${s}/reports`, {
          ...(await as(world.viewerId)),
          json: { reason: 'resolve me' },
        });
        const res = await client.call<Report>('POST', `/v1/admin/reports/${report.body.id}/resolve`, caller);
        if (res.status === 200) assert.deepEqual([res.body.status, res.body.resolvedBy], ['resolved', actor], op);
        const open = await expectStatus<{ reports: Report[] }>(
          200,
          'GET',
          '/v1/admin/reports?status=open&limit=200',
          await as(world.adminId, { admin: true }),
        );
        assert.equal(
          open.body.reports.some((q) => q.id === report.body.id),
          res.status !== 200,
          `${op}: still open iff refused`,
        );
        return summarize(res);
      }
      case 'updateSessionSettings:slow mode': {
        const slowModeSec = index + 1;
        const res = await client.call<{ slowModeSec: number }>('PATCH', `${s}/settings`, { ...caller, json: { slowModeSec } });
        const now = await expectStatus<{ settings: { slowModeSec: number } }>(200, 'GET', s, world.host);
        assert.equal(now.body.settings.slowModeSec === slowModeSec, res.status === 200, `${op}: the setting changed iff allowed`);
        return summarize(res);
      }
      case 'listMessages:history': {
        const sent = await sendMessage(world);
        const res = await client.call<{ messages: Message[] }>('GET', `${s}/messages`, caller);
        if (res.status === 200)
          assert.ok(
            res.body.messages.some((m) => m.id === sent),
            op,
          );
        return summarize(res);
      }
      case 'deleteMessage:a viewer’s message': {
        const sent = await sendMessage(world);
        const res = await client.call('DELETE', `${s}/messages/${sent}`, caller);
        assert.equal((await messageIds(world)).includes(sent), res.status !== 204, `${op}: still in history iff refused`);
        return summarize(res);
      }
      case 'pinMessage:a viewer’s message': {
        const sent = await sendMessage(world);
        const res = await client.call<{ pinned: Message }>('PUT', `${s}/pin`, { ...caller, json: { messageId: sent } });
        if (res.status === 200) assert.equal(res.body.pinned.id, sent, op);
        return summarize(res);
      }
      case 'unpinMessage:the pin': {
        await expectStatus(200, 'PUT', `${s}/pin`, { ...world.host, json: { messageId: await sendMessage(world) } });
        return summarize(await client.call('DELETE', `${s}/pin`, caller));
      }
    }
    throw new Error(`no cell for ${r.operation}:${r.variant}`);
  }

  /** The guest, the host, or a second co-host made for this call. */
  async function moderationTarget(world: World, variant: string): Promise<string> {
    if (variant === 'a guest') return world.guestId;
    if (variant === 'the host') return world.hostId;
    const target = world.fresh();
    await expectStatus(200, 'PUT', `/v1/sessions/${world.id}/participants/${target}/role`, { ...world.host, json: { role: 'cohost' } });
    return target;
  }

  for (const kind of ['public', 'private'] as const) {
    for (const r of MATRIX) {
      it(`${r.operation} (${r.variant}) on a ${kind} session`, async () => {
        const world = await createWorld(kind);
        const actual = {} as Record<Principal, string>;
        for (const [index, principal] of PRINCIPALS.entries()) actual[principal] = await cell(r, world, principal, index);
        assert.deepEqual(actual, expectedFor(kind, r));
      });
    }
  }

  it('covers every issue-4 operation of the document, and reports what it exercised', (t) => {
    const operations = new Set(MATRIX.map((r) => r.operation));
    const required: Operation[] = [
      'listParticipants',
      'listStageRequests',
      'requestStage',
      'cancelStageRequest',
      'approveStageRequest',
      'rejectStageRequest',
      'inviteToStage',
      'acceptStageInvite',
      'declineStageInvite',
      'leaveStage',
      'setParticipantRole',
      'muteParticipant',
      'kickParticipant',
      'banParticipant',
      'listBans',
      'unbanParticipant',
      'reportSession',
      'listReports',
      'resolveReport',
      'updateSessionSettings',
      'listMessages',
      'deleteMessage',
      'pinMessage',
      'unpinMessage',
    ];
    for (const id of required) {
      assert.ok(operations.has(id), `${id} is in the matrix`);
      assert.ok(client.contract.operationById(id), `${id} is in /openapi.json`);
    }
    const cells = MATRIX.length * PRINCIPALS.length * 2;
    t.diagnostic(`${MATRIX.length} rows × ${PRINCIPALS.length} principals × 2 session kinds = ${cells} cells`);
    t.diagnostic(`${client.exchanges.length} requests, each validated against /openapi.json`);
    const exercised = [...client.contract.seen].filter((s) => required.includes(s.split(' ')[0] as Operation)).sort();
    t.diagnostic(`documented (operation, status) pairs exercised: ${exercised.join(', ')}`);
  });
});
