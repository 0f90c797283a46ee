// The engine of the in-session authorization matrices (stage, moderation, chat, reports): one
// session with every kind of participant set up for real through the API (the guest by request
// and approval, the co-host by setParticipantRole, the banned user by a ban), each row run on a
// fresh one, once public and once private, every response (set-up calls included) checked against
// /openapi.json. Each domain's file holds its rows and how to call each of its operations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionSubscription } from '../../../sdk/src/realtime/realtime-client.ts';
import { aUser, factories, type StageRequest, type TestSession } from '../factories.ts';
import { TestStack, uniqueUser, userToken } from '../harness.ts';
import { type Caller, ContractClient, type ContractResponse, OpenapiContract } from '../openapi-validator.ts';
import { RealtimeClients } from '../realtime-clients.ts';
import { parseRow, type Row, summarize } from './matrix.ts';

export const PRINCIPALS = [
  'anonymous',
  'viewer', // signed in and joined as a viewer (on the private session: a named participant)
  'banned', // a viewer the host banned
  'guest', // a viewer who asked and was approved
  'cohost', // promoted by the host
  'host',
  'otherHost', // host of another live session: a plain viewer here, an outsider of a private session
  'admin',
] as const;
export type Principal = (typeof PRINCIPALS)[number];
export type Kind = 'public' | 'private';

export const U = '401 UNAUTHENTICATED';
export const NM = '403 NOT_MODERATOR';
export const NH = '403 NOT_HOST';
export const NA = '403 NOT_ADMIN';
export const CTC = '403 CANNOT_TARGET_COHOST';
export const HCL = '403 HOST_CANNOT_LEAVE';
export const B = '403 BANNED';
export const SF = '403 SESSION_FORBIDDEN';
export const HOST = '403 CANNOT_TARGET_HOST';
export const NC = '404 PARTICIPANT_NOT_CONNECTED';
export const RNF = '404 REQUEST_NOT_FOUND';
export const AOS = '409 ALREADY_ON_STAGE';
export const NOS = '409 NOT_ON_STAGE';

export const row = <Op extends string>(operation: Op, variant: string, cells: string): Row<Op, Principal> =>
  parseRow(PRINCIPALS, operation, variant, cells);

/** One session with every principal set up through the API. */
export type World = {
  kind: Kind;
  id: string;
  session: TestSession;
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

export type Participant = { userId: string; role: string; connected: boolean };
export type Report = { id: string; reporterId: string; status: string; resolvedBy: string | null };
export type Message = { id: string };

/** What a domain's cells use: the validated client, and the host's view of the session. */
export type Room = ReturnType<typeof roomHelpers>;

/** One call of one operation as one principal: its caller, who that is, and the cell's index in the row. */
export type Call = { principal: Principal; caller: Caller; actor: string | null; index: number; op: string };

export type RoomMatrix<Op extends string> = {
  /** The domain, as in the test names: "stage", "moderation", ... */
  domain: string;
  rows: Row<Op, Principal>[];
  /** Operations of this domain: each must be in the matrix and in /openapi.json. */
  operations: Op[];
  /** Operations not scoped to one session: a private session changes nothing for them. */
  global?: Op[];
  env?: Record<string, string>;
  cell(room: Room, r: Row<Op, Principal>, world: World, call: Call): Promise<string>;
};

/**
 * On a private session (broadcast, so named participants join as viewers) the table is the same,
 * except that the host of another session is an outsider there: 403 SESSION_FORBIDDEN on every
 * session route. And an admin who is not a named participant cannot be invited there (an invite
 * names a user id, which does not say "admin"), so they answer a stranger's invite instead.
 */
function expectedFor<Op extends string>(kind: Kind, r: Row<Op, Principal>, global: Op[]): Record<Principal, string> {
  if (kind === 'public' || global.includes(r.operation)) return r.expected;
  const adminInvite = r.variant === 'own' && (r.operation === 'acceptStageInvite' || r.operation === 'declineStageInvite');
  return { ...r.expected, otherHost: SF, ...(adminInvite ? { admin: RNF } : {}) };
}

export const as = async (userId: string, options: { admin?: boolean } = {}): Promise<Caller> => ({
  token: await userToken(userId, options),
});

function roomHelpers(client: ContractClient, realtime: RealtimeClients, stack: TestStack) {
  const chatSenders = new Map<string, SessionSubscription>();
  const expectStatus = async <T = Record<string, unknown>>(
    status: number,
    method: string,
    path: string,
    options: Parameters<ContractClient['call']>[2],
  ): Promise<ContractResponse<T>> => {
    const res = await client.call<T>(method, path, options);
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
    return res;
  };
  const pending = async (world: World) =>
    (await expectStatus<{ requests: StageRequest[] }>(200, 'GET', `/v1/sessions/${world.id}/stage/requests`, world.host)).body.requests;
  const room = {
    client,
    make: factories(client),
    expectStatus,
    summarize,
    // ---- the host's view of the session, to check what a call did or did not change ----
    roleOf: async (world: World, userId: string) => {
      const res = await expectStatus<{ participants: Participant[] }>(200, 'GET', `/v1/sessions/${world.id}/participants`, world.host);
      return res.body.participants.find((p) => p.userId === userId)?.role ?? 'viewer';
    },
    pending,
    pendingIds: async (world: World) => (await pending(world)).map((r) => r.id),
    bannedIds: async (world: World) =>
      (await expectStatus<{ bans: Array<{ userId: string }> }>(200, 'GET', `/v1/sessions/${world.id}/bans`, world.host)).body.bans.map(
        (b) => b.userId,
      ),
    messageIds: async (world: World) =>
      (await expectStatus<{ messages: Message[] }>(200, 'GET', `/v1/sessions/${world.id}/messages`, world.host)).body.messages.map(
        (m) => m.id,
      ),
    /** A chat message from the world's viewer, sent over realtime as a client would. */
    sendMessage: async (world: World): Promise<string> => {
      let sub = chatSenders.get(world.id);
      if (!sub) {
        sub = await (await realtime.connect(stack, world.viewerId)).subscribe(world.id);
        chatSenders.set(world.id, sub);
      }
      return (await sub.send(`hello ${uniqueUser('m')}`)).id;
    },
    invite: (world: World, userId: string) =>
      client.call<StageRequest>('POST', `/v1/sessions/${world.id}/stage/invites`, { ...world.host, json: { userId } }),
    inviteStranger: async (world: World) => (await room.make.invite(world.session, world.fresh())).id,
    /** The guest, the host, or a second co-host made for this call. */
    moderationTarget: async (world: World, variant: string): Promise<string> => {
      if (variant === 'a guest') return world.guestId;
      if (variant === 'the host') return world.hostId;
      const target = world.fresh();
      await room.make.setRole(world.session, target, 'cohost');
      return target;
    },
  };
  return room;
}

/** The matrix of one domain's rows × every principal × both kinds of session, and its coverage report. */
export function roomMatrix<Op extends string>(matrix: RoomMatrix<Op>): void {
  describe(`authorization matrix: ${matrix.domain} routes × every kind of caller`, () => {
    let stack: TestStack;
    let client: ContractClient;
    let room: Room;
    let otherHostId: string;
    const realtime = new RealtimeClients();

    before(async () => {
      stack = await TestStack.start({ reconciler: false, ...(matrix.env ? { env: matrix.env } : {}) });
      client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
      room = roomHelpers(client, realtime, stack);
      otherHostId = (await room.make.goLive({ title: 'Another show' })).hostId;
    });
    after(async () => {
      realtime.closeAll();
      await stack?.stop();
    });

    async function createWorld(kind: Kind): Promise<World> {
      const make = room.make;
      const pool = Array.from({ length: 40 }, () => uniqueUser('member'));
      const [viewer, banned, guest, cohost] = await Promise.all(['viewer', 'banned', 'guest', 'cohost'].map((p) => aUser(p)));
      if (!viewer || !banned || !guest || !cohost) throw new Error('unreachable');
      const session = await make.goLive({
        title: `${kind} stage`,
        visibility: kind,
        ...(kind === 'private' ? { participants: [viewer.id, banned.id, guest.id, cohost.id, ...pool] } : {}),
        settings: { maxGuests: 20 },
      });
      const id = session.id;
      const fresh = () => (kind === 'private' ? (pool.pop() ?? assert.fail('pool exhausted')) : uniqueUser('fresh'));
      const joinRole = async (userId: string, options: { admin?: boolean } = {}) => {
        const res = await client.call<{ role: string; code: string }>('POST', `/v1/sessions/${id}/join`, await as(userId, options));
        return res.status === 200 ? res.body.role : `${res.status} ${res.body.code}`;
      };

      assert.equal((await make.join(id, viewer)).role, 'viewer');
      assert.equal((await make.join(id, banned)).role, 'viewer');
      await make.ban(session, banned.id, { reason: 'matrix' });
      assert.equal(await joinRole(banned.id), B);
      await make.guest(session, guest);
      assert.equal(await joinRole(guest.id), 'guest');
      await make.setRole(session, cohost.id, 'cohost');
      assert.equal(await joinRole(cohost.id), 'cohost');
      const adminId = uniqueUser('admin');
      assert.equal(await joinRole(adminId, { admin: true }), 'observer');
      assert.equal(await joinRole(otherHostId), kind === 'public' ? 'viewer' : SF);
      return {
        kind,
        id,
        session,
        hostId: session.hostId,
        host: session.host.caller,
        viewerId: viewer.id,
        bannedId: banned.id,
        guestId: guest.id,
        cohostId: cohost.id,
        adminId,
        fresh,
      };
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

    for (const kind of ['public', 'private'] as const) {
      for (const r of matrix.rows) {
        it(`${r.operation} (${r.variant}) on a ${kind} session`, async () => {
          const world = await createWorld(kind);
          const actual = {} as Record<Principal, string>;
          for (const [index, principal] of PRINCIPALS.entries()) {
            const op = `${r.operation} (${r.variant}) as ${principal}`;
            actual[principal] = await matrix.cell(room, r, world, { principal, ...(await callerFor(principal, world)), index, op });
          }
          assert.deepEqual(actual, expectedFor(kind, r, matrix.global ?? []));
        });
      }
    }

    it(`covers every ${matrix.domain} operation of the document, and reports what it exercised`, (t) => {
      const operations = new Set(matrix.rows.map((r) => r.operation));
      for (const id of matrix.operations) {
        assert.ok(operations.has(id), `${id} is in the matrix`);
        assert.ok(client.contract.operationById(id), `${id} is in /openapi.json`);
      }
      const cells = matrix.rows.length * PRINCIPALS.length * 2;
      t.diagnostic(`${matrix.rows.length} rows × ${PRINCIPALS.length} principals × 2 session kinds = ${cells} cells`);
      t.diagnostic(`${client.exchanges.length} requests, each validated against /openapi.json`);
      const exercised = [...client.contract.seen].filter((s) => matrix.operations.includes(s.split(' ')[0] as Op)).sort();
      t.diagnostic(`documented (operation, status) pairs exercised: ${exercised.join(', ')}`);
    });
  });
}
