import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '@golive/sdk/protocol';
import { eventually, uniqueUser, userToken } from '../../test/harness.ts';
import { errorCode, liveSession } from '../../test/realtime-clients.ts';
import { twoInstances } from '../../test/two-instances.ts';

describe('two golive instances sharing PostgreSQL and Redis', () => {
  const pair = twoInstances();
  const { clients } = pair;

  it('delivers a message sent on A to a viewer on B, in the same seq order everywhere, equal to history', async () => {
    const { a, b } = pair;
    const { id } = await liveSession(a);
    const onA = await (await clients.connect(a)).subscribe(id);
    const onB = await (await clients.connect(b)).subscribe(id);
    const senderA = await (await clients.connect(a)).subscribe(id);
    const senderB = await (await clients.connect(b)).subscribe(id);
    const seenA: ChatMessage[] = [];
    const seenB: ChatMessage[] = [];
    onA.on('message', (m) => seenA.push(m));
    onB.on('message', (m) => seenB.push(m));
    // Both instances write concurrently; each user stays under the 5-per-10 s limit.
    const sends = [];
    for (let i = 0; i < 4; i++) sends.push(senderA.send(`a${i}`), senderB.send(`b${i}`));
    const acked = await Promise.all(sends);
    await eventually(() => seenA.length === 8 && seenB.length === 8, { what: '8 messages on both instances' });
    assert.deepEqual(
      seenA.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
      'delivered in seq order without gaps',
    );
    assert.deepEqual(
      seenB.map((m) => m.id),
      seenA.map((m) => m.id),
      'both instances deliver the same order',
    );
    assert.deepEqual(new Set(acked.map((m) => m.id)), new Set(seenA.map((m) => m.id)));
    const history = await b.request<{ messages: ChatMessage[] }>('GET', `/v1/sessions/${id}/messages`, {
      token: await userToken(uniqueUser()),
    });
    assert.deepEqual(history.body.messages, seenA, 'history equals what was delivered');
  });

  it('holds a user rate limit across instances', async () => {
    const { a, b } = pair;
    const { id } = await liveSession(a);
    const user = uniqueUser('chatty');
    const onA = await (await clients.connect(a, user)).subscribe(id);
    const onB = await (await clients.connect(b, user)).subscribe(id);
    for (let i = 0; i < 3; i++) await onA.send(`a${i}`);
    for (let i = 0; i < 2; i++) await onB.send(`b${i}`);
    assert.equal(await errorCode(onB.send('sixth')), 'RATE_LIMITED');
    assert.equal(await errorCode(onA.send('seventh')), 'RATE_LIMITED');
  });

  it('resumes after a forced disconnect with everything missed, in order, without duplicates', async () => {
    const { a, b } = pair;
    const { id } = await liveSession(a);
    const dropper = await clients.connect(b);
    const sub = await dropper.subscribe(id);
    const delivered: ChatMessage[] = [];
    sub.on('message', (m) => delivered.push(m));
    const senders = await Promise.all([0, 1, 2].map(async () => (await clients.connect(a)).subscribe(id)));
    await senders[0]?.send('before the drop');
    await eventually(() => delivered.length === 1);
    const resumed: number[] = [];
    sub.on('resumed', (info) => resumed.push(info.replayed));
    const oldSocket = dropper.socketId;
    dropper.reconnect();
    // Sent while the client is away (some may race the reconnect: either path must deliver once).
    for (let i = 0; i < 12; i++) await senders[i % 3]?.send(`while away ${i}`);
    await eventually(() => resumed.length > 0, { what: 'resume' });
    await eventually(() => delivered.length === 13, { what: 'all 13 messages' });
    assert.notEqual(dropper.socketId, oldSocket, 'it really reconnected');
    assert.deepEqual(
      delivered.map((m) => m.seq),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    assert.equal(new Set(delivered.map((m) => m.id)).size, 13, 'no duplicates');
  });

  it('pushes session.ended from the instance that ended it to subscribers on the other', async () => {
    const { a, b } = pair;
    const { id, hostToken } = await liveSession(a);
    const onB = await (await clients.connect(b)).subscribe(id);
    const ended: string[] = [];
    onB.on('ended', (e) => ended.push(e.reason));
    await a.request('POST', `/v1/sessions/${id}/end`, { token: hostToken });
    await eventually(() => ended.length === 1);
    assert.deepEqual(ended, ['ended_by_host']);
  });
});
