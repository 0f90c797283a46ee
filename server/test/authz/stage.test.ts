// Authorization matrix of the stage: participants, stage requests and invites, leaving the stage
// and roles, × every kind of caller in a session (engine and principals: room.ts).
import assert from 'node:assert/strict';
import type { StageRequest } from '../factories.ts';
import { DOMAINS, type DomainOperation } from './domains.ts';
import { AOS, as, B, HCL, HOST, NH, NM, NOS, type Participant, RNF, roomMatrix, row, U } from './room.ts';

type Operation = DomainOperation<'stage'>;

// Expected on a public session. Moderators are the host, co-hosts and admins; co-hosts never act
// on the host or on other co-hosts, and never make co-hosts.
// biome-ignore format: the table is the point
const MATRIX = [
  //                                                     anonymous | viewer     | banned | guest      | cohost     | host       | otherHost  | admin
  row<Operation>('listParticipants', 'all',                        `${U}      | 200        | ${B}   | 200        | 200        | 200        | 200        | 200`),
  // "all": sees someone else's pending request; "own": only the caller's.
  row<Operation>('listStageRequests', 'pending from another user', `${U}      | 200 own    | ${B}   | 200 own    | 200 all    | 200 all    | 200 own    | 200 all`),
  row<Operation>('requestStage', 'own',                            `${U}      | 201        | ${B}   | ${AOS}     | ${AOS}     | ${AOS}     | 201        | 201`),
  // The caller first asks to come on stage (which only viewers and admins can), then withdraws.
  row<Operation>('cancelStageRequest', 'own',                      `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row<Operation>('approveStageRequest', 'a viewer’s request',      `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('rejectStageRequest', 'a viewer’s request',       `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('inviteToStage', 'a viewer',                      `${U}      | ${NM}      | ${B}   | ${NM}      | 201        | 201        | ${NM}      | 201`),
  // The host invites the caller; callers who cannot be invited (banned, already on stage) get a
  // stranger's invite instead, which is not theirs to answer.
  row<Operation>('acceptStageInvite', 'own',                       `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row<Operation>('acceptStageInvite', 'someone else’s',            `${U}      | ${RNF}     | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}`),
  row<Operation>('declineStageInvite', 'own',                      `${U}      | 200        | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | 200        | 200`),
  row<Operation>('declineStageInvite', 'someone else’s',           `${U}      | ${RNF}     | ${B}   | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}     | ${RNF}`),
  row<Operation>('leaveStage', 'self',                             `${U}      | ${NOS}     | ${B}   | 204        | 204        | ${HCL}     | ${NOS}     | ${NOS}`),
  row<Operation>('setParticipantRole', 'viewer → guest',           `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('setParticipantRole', 'guest → viewer',           `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('setParticipantRole', 'viewer → cohost',          `${U}      | ${NM}      | ${B}   | ${NM}      | ${NH}      | 200        | ${NM}      | 200`),
  row<Operation>('setParticipantRole', 'cohost → viewer',          `${U}      | ${NM}      | ${B}   | ${NM}      | ${NH}      | 200        | ${NM}      | 200`),
  row<Operation>('setParticipantRole', 'host → viewer',            `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
];

roomMatrix<Operation>({
  domain: 'stage',
  rows: MATRIX,
  operations: [...DOMAINS.stage],
  async cell(room, r, world, { caller, actor, op }) {
    const { client, summarize } = room;
    const s = `/v1/sessions/${world.id}`;
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
        const ask = await room.expectStatus<StageRequest>(201, 'POST', `${s}/stage/requests`, await as(world.fresh()));
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
        const ask = await room.expectStatus<StageRequest>(201, 'POST', `${s}/stage/requests`, await as(asker));
        const decision = r.operation === 'approveStageRequest' ? 'approve' : 'reject';
        const res = await client.call<StageRequest>('POST', `${s}/stage/requests/${ask.body.id}/${decision}`, caller);
        if (res.status === 200) {
          assert.equal(res.body.status, decision === 'approve' ? 'approved' : 'rejected', op);
          assert.equal(await room.roleOf(world, asker), decision === 'approve' ? 'guest' : 'viewer', op);
        } else {
          assert.ok((await room.pendingIds(world)).includes(ask.body.id), `${op}: a refused decision leaves the request pending`);
          assert.equal(await room.roleOf(world, asker), 'viewer', op);
        }
        return summarize(res);
      }
      case 'inviteToStage:a viewer': {
        const invitee = world.fresh();
        const res = await client.call<StageRequest>('POST', `${s}/stage/invites`, { ...caller, json: { userId: invitee } });
        if (res.status === 201) assert.deepEqual([res.body.userId, res.body.kind, res.body.status], [invitee, 'invite', 'pending'], op);
        else assert.ok(!(await room.pending(world)).some((q) => q.userId === invitee), `${op}: a refused invite is not created`);
        return summarize(res);
      }
      case 'acceptStageInvite:own':
      case 'declineStageInvite:own':
      case 'acceptStageInvite:someone else’s':
      case 'declineStageInvite:someone else’s': {
        let inviteId: string | undefined;
        if (actor && r.variant === 'own') {
          const own = await room.invite(world, actor);
          if (own.status === 201) inviteId = own.body.id;
        }
        inviteId ??= await room.inviteStranger(world);
        const answer = r.operation === 'acceptStageInvite' ? 'accept' : 'decline';
        const res = await client.call<StageRequest>('POST', `${s}/stage/invites/${inviteId}/${answer}`, caller);
        if (res.status === 200) {
          assert.deepEqual([res.body.userId, res.body.status], [actor, answer === 'accept' ? 'accepted' : 'declined'], op);
          if (actor) assert.equal(await room.roleOf(world, actor), answer === 'accept' ? 'guest' : 'viewer', op);
        } else {
          assert.ok((await room.pendingIds(world)).includes(inviteId), `${op}: the invite stays pending`);
        }
        return summarize(res);
      }
      case 'leaveStage:self': {
        const res = await client.call('POST', `${s}/stage/leave`, caller);
        if (res.status === 204 && actor) assert.equal(await room.roleOf(world, actor), 'viewer', `${op}: off the stage`);
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
          if (from !== 'viewer') await room.make.setRole(world.session, target, from as 'guest' | 'cohost');
        }
        const res = await client.call<{ userId: string; role: string }>('PUT', `${s}/participants/${target}/role`, {
          ...caller,
          json: { role: to },
        });
        if (res.status === 200) assert.deepEqual(res.body, { userId: target, role: to }, op);
        assert.equal(await room.roleOf(world, target), res.status === 200 ? to : from, `${op}: the role the host sees`);
        return summarize(res);
      }
    }
    throw new Error(`no cell for ${r.operation}:${r.variant}`);
  },
});
