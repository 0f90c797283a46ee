// Authorization matrix of moderation: mute, kick, bans and the session's settings, × every kind
// of caller in a session (engine and principals: room.ts).
import assert from 'node:assert/strict';
import { DOMAINS, type DomainOperation } from './domains.ts';
import { B, CTC, HOST, NC, NM, roomMatrix, row, U } from './room.ts';

type Operation = DomainOperation<'moderation'>;

// Expected on a public session. Moderators are the host, co-hosts and admins; co-hosts never act
// on the host or on other co-hosts.
// biome-ignore format: the table is the point
const MATRIX = [
  //                                                        anonymous | viewer     | banned | guest      | cohost     | host       | otherHost  | admin
  // Nobody is connected to LiveKit here: an authorized mute or kick reaches "not connected".
  row<Operation>('muteParticipant', 'a guest',                        `${U}      | ${NM}      | ${B}   | ${NM}      | ${NC}      | ${NC}      | ${NM}      | ${NC}`),
  row<Operation>('muteParticipant', 'the host',                       `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row<Operation>('muteParticipant', 'another co-host',                `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | ${NC}      | ${NM}      | ${NC}`),
  row<Operation>('kickParticipant', 'a guest',                        `${U}      | ${NM}      | ${B}   | ${NM}      | ${NC}      | ${NC}      | ${NM}      | ${NC}`),
  row<Operation>('kickParticipant', 'the host',                       `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row<Operation>('kickParticipant', 'another co-host',                `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | ${NC}      | ${NM}      | ${NC}`),
  row<Operation>('banParticipant', 'a viewer',                        `${U}      | ${NM}      | ${B}   | ${NM}      | 201        | 201        | ${NM}      | 201`),
  row<Operation>('banParticipant', 'the host',                        `${U}      | ${NM}      | ${B}   | ${NM}      | ${HOST}    | ${HOST}    | ${NM}      | ${HOST}`),
  row<Operation>('banParticipant', 'another co-host',                 `${U}      | ${NM}      | ${B}   | ${NM}      | ${CTC}     | 201        | ${NM}      | 201`),
  row<Operation>('listBans', 'all',                                   `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('unbanParticipant', 'a banned viewer',               `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
  row<Operation>('updateSessionSettings', 'slow mode',                `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
];

roomMatrix<Operation>({
  domain: 'moderation',
  rows: MATRIX,
  operations: [...DOMAINS.moderation],
  async cell(room, r, world, { caller, op, index }) {
    const { client, summarize } = room;
    const s = `/v1/sessions/${world.id}`;
    switch (`${r.operation}:${r.variant}`) {
      case 'muteParticipant:a guest':
      case 'muteParticipant:the host':
      case 'muteParticipant:another co-host':
      case 'kickParticipant:a guest':
      case 'kickParticipant:the host':
      case 'kickParticipant:another co-host': {
        const target = await room.moderationTarget(world, r.variant);
        const [path, json] =
          r.operation === 'muteParticipant'
            ? [`${s}/participants/${target}/mute`, { kind: 'video' }]
            : [`${s}/participants/${target}/kick`, { reason: 'matrix' }];
        return summarize(await client.call('POST', path, { ...caller, json }));
      }
      case 'banParticipant:a viewer':
      case 'banParticipant:the host':
      case 'banParticipant:another co-host': {
        const target = r.variant === 'a viewer' ? world.fresh() : await room.moderationTarget(world, r.variant);
        const res = await client.call<{ userId: string; reason: string | null }>('POST', `${s}/bans`, {
          ...caller,
          json: { userId: target, reason: 'matrix', durationSec: 600 },
        });
        if (res.status === 201) assert.deepEqual([res.body.userId, res.body.reason], [target, 'matrix'], op);
        assert.equal((await room.bannedIds(world)).includes(target), res.status === 201, `${op}: the ban list`);
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
        await room.make.ban(world.session, target);
        const res = await client.call('DELETE', `${s}/bans/${target}`, caller);
        assert.equal((await room.bannedIds(world)).includes(target), res.status !== 204, `${op}: the ban list`);
        return summarize(res);
      }
      case 'updateSessionSettings:slow mode': {
        const slowModeSec = index + 1;
        const res = await client.call<{ slowModeSec: number }>('PATCH', `${s}/settings`, { ...caller, json: { slowModeSec } });
        const now = await room.expectStatus<{ settings: { slowModeSec: number } }>(200, 'GET', s, world.host);
        assert.equal(now.body.settings.slowModeSec === slowModeSec, res.status === 200, `${op}: the setting changed iff allowed`);
        return summarize(res);
      }
    }
    throw new Error(`no cell for ${r.operation}:${r.variant}`);
  },
});
