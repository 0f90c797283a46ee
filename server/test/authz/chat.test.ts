// Authorization matrix of chat: history, deleting and pinning messages, × every kind of caller in
// a session (engine and principals: room.ts). Messages are sent over realtime as a client would.
import assert from 'node:assert/strict';
import { DOMAINS, type DomainOperation } from './domains.ts';
import { B, type Message, NM, roomMatrix, row, U } from './room.ts';

type Operation = DomainOperation<'chat'>;

// Expected on a public session. Moderators are the host, co-hosts and admins.
// biome-ignore format: the table is the point
const MATRIX = [
  //                                                        anonymous | viewer     | banned | guest      | cohost     | host       | otherHost  | admin
  row<Operation>('listMessages', 'history',                           `${U}      | 200        | ${B}   | 200        | 200        | 200        | 200        | 200`),
  row<Operation>('deleteMessage', 'a viewer’s message',               `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
  row<Operation>('pinMessage', 'a viewer’s message',                  `${U}      | ${NM}      | ${B}   | ${NM}      | 200        | 200        | ${NM}      | 200`),
  row<Operation>('unpinMessage', 'the pin',                           `${U}      | ${NM}      | ${B}   | ${NM}      | 204        | 204        | ${NM}      | 204`),
];

roomMatrix<Operation>({
  domain: 'chat',
  rows: MATRIX,
  operations: [...DOMAINS.chat],
  // Chat rows send one message per cell from the same viewer.
  env: { CHAT_RATE_LIMIT_MESSAGES: '1000' },
  async cell(room, r, world, { caller, op }) {
    const { client, summarize } = room;
    const s = `/v1/sessions/${world.id}`;
    switch (`${r.operation}:${r.variant}`) {
      case 'listMessages:history': {
        const sent = await room.sendMessage(world);
        const res = await client.call<{ messages: Message[] }>('GET', `${s}/messages`, caller);
        if (res.status === 200)
          assert.ok(
            res.body.messages.some((m) => m.id === sent),
            op,
          );
        return summarize(res);
      }
      case 'deleteMessage:a viewer’s message': {
        const sent = await room.sendMessage(world);
        const res = await client.call('DELETE', `${s}/messages/${sent}`, caller);
        assert.equal((await room.messageIds(world)).includes(sent), res.status !== 204, `${op}: still in history iff refused`);
        return summarize(res);
      }
      case 'pinMessage:a viewer’s message': {
        const sent = await room.sendMessage(world);
        const res = await client.call<{ pinned: Message }>('PUT', `${s}/pin`, { ...caller, json: { messageId: sent } });
        if (res.status === 200) assert.equal(res.body.pinned.id, sent, op);
        return summarize(res);
      }
      case 'unpinMessage:the pin': {
        await room.expectStatus(200, 'PUT', `${s}/pin`, { ...world.host, json: { messageId: await room.sendMessage(world) } });
        return summarize(await client.call('DELETE', `${s}/pin`, caller));
      }
    }
    throw new Error(`no cell for ${r.operation}:${r.variant}`);
  },
});
