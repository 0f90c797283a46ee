// The sessions feed (Browse): public sessions going live and ending, and their counters, pushed to
// every watcher; private sessions only to admins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Counters, SessionInfo } from '@golive/sdk/protocol';
import { eventually, TestStack, uniqueUser } from '../../test/harness.ts';
import { liveSession, RealtimeClients } from '../../test/realtime-clients.ts';
import { connection, deliver, joinedEvent } from '../../test/webhook-fixtures.ts';

describe('sessions.watch feed', () => {
  let stack: TestStack;
  const clients = new RealtimeClients();
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    clients.closeAll();
    await stack?.stop();
  });

  it('pushes sessions going live and ending, public ones to everyone and private ones to admins only', async () => {
    const viewerFeed = await (await clients.connect(stack, uniqueUser('browser'))).watchSessions();
    const adminFeed = await (await clients.connect(stack, uniqueUser('admin'), { admin: true })).watchSessions();
    const seen = { viewer: [] as SessionInfo[], admin: [] as SessionInfo[], viewerEnded: [] as string[], adminEnded: [] as string[] };
    viewerFeed.on('live', (s) => seen.viewer.push(s));
    adminFeed.on('live', (s) => seen.admin.push(s));
    viewerFeed.on('ended', (e) => seen.viewerEnded.push(e.sessionId));
    adminFeed.on('ended', (e) => seen.adminEnded.push(e.sessionId));

    const startedAt = Date.now();
    const open = await liveSession(stack, { title: 'Open stream', tags: ['feed'] });
    await eventually(() => seen.viewer.some((s) => s.id === open.id), { what: 'the public session reaches the feed' });
    const arrivedMs = Date.now() - startedAt;
    const pushed = seen.viewer.find((s) => s.id === open.id);
    assert.equal(pushed?.title, 'Open stream');
    assert.deepEqual(pushed?.tags, ['feed']);
    assert.equal(pushed?.status, 'live');
    assert.ok(arrivedMs < 1000, `create → feed took ${arrivedMs} ms`);

    const hidden = await liveSession(stack, { title: 'Private one', visibility: 'private' });
    await eventually(() => seen.admin.some((s) => s.id === hidden.id), { what: 'the private session reaches the admin feed' });
    assert.ok(
      seen.admin.some((s) => s.id === open.id),
      'admins get public sessions too',
    );

    for (const s of [open, hidden]) {
      const res = await stack.request('POST', `/v1/sessions/${s.id}/end`, { token: s.hostToken, body: {} });
      assert.equal(res.status, 200);
    }
    await eventually(() => seen.adminEnded.includes(hidden.id) && seen.viewerEnded.includes(open.id), { what: 'both ends pushed' });
    assert.ok(!seen.viewer.some((s) => s.id === hidden.id), 'a private session never reaches a non-admin feed');
    assert.ok(!seen.viewerEnded.includes(hidden.id), 'nor does its end');
    assert.equal(seen.admin.filter((s) => s.id === open.id).length, 1, 'each event once per socket');
  });

  it("pushes a public session's viewer count to the feed; unwatch stops the feed", async () => {
    const realtime = await clients.connect(stack, uniqueUser('browser'));
    const feed = await realtime.watchSessions();
    const counters: Counters[] = [];
    feed.on('counters', (c) => counters.push(c));
    const { id } = await liveSession(stack);
    assert.equal(
      (await deliver(stack, joinedEvent(id, connection({ identity: 'v-1', role: 'viewer', joinedAtMs: Date.now() })))).body.result,
      'applied',
    );
    await eventually(() => counters.some((c) => c.sessionId === id && c.viewerCount === 1), { what: 'the count reaches the feed' });

    await feed.stop();
    const lives: string[] = [];
    feed.on('live', (s) => lives.push(s.id));
    const later = await liveSession(stack);
    // The watcher of a second connection proves the event went out; the stopped feed stays silent.
    const control = await (await clients.connect(stack, uniqueUser('control'))).watchSessions();
    const controlled: string[] = [];
    control.on('live', (s) => controlled.push(s.id));
    const third = await liveSession(stack);
    await eventually(() => controlled.includes(third.id), { what: 'a live feed still gets events' });
    assert.deepEqual(lives, [], `the stopped feed got ${lives.join()} (${later.id} and ${third.id} went live after stop)`);
  });

  it('shares one feed per connection: a holder that stops leaves it running for the others', async () => {
    const realtime = await clients.connect(stack, uniqueUser('browser'));
    const [first, second] = await Promise.all([realtime.watchSessions(), realtime.watchSessions()]);
    assert.equal(first, second);
    const lives: string[] = [];
    second.on('live', (s) => lives.push(s.id));
    await first.stop();
    const { id } = await liveSession(stack);
    await eventually(() => lives.includes(id), { what: 'the remaining holder still gets the feed' });
    await second.stop();
  });

  it('refuses unknown fields in the watch payload', async () => {
    const realtime = await clients.connect(stack, uniqueUser('browser'));
    const refused = await realtime.request('sessions.watch', { tag: 'x' } as never).then(
      () => 'OK',
      (e: { code: string }) => e.code,
    );
    assert.equal(refused, 'VALIDATION_FAILED');
  });
});
