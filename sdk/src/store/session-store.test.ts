// The session store against a real golive (PostgreSQL, livekit-server): what each client's
// snapshot shows as the host and a viewer chat, go through the stage, drop and come back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, TestStack, uniqueUser, userToken } from '../../../server/test/harness.ts';
import { createGoliveClient, type GoliveRealtime, SessionStore } from '../index.ts';

describe('SessionStore against a real golive', () => {
  let stack: TestStack;
  const opened: Array<{ store: SessionStore; realtime: GoliveRealtime }> = [];
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    for (const { store, realtime } of opened) {
      await store.stop();
      realtime.close();
    }
    await stack?.stop();
  });

  async function storeFor(userId: string, sessionId: string, options: { admin?: boolean } = {}) {
    const client = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(userId, options) });
    const realtime = client.realtime({ gapTimeoutMs: 300 });
    const store = new SessionStore({ client, realtime, sessionId, me: { id: userId, admin: options.admin ?? false } });
    opened.push({ store, realtime });
    await store.start();
    return { client, realtime, store };
  }

  it('chat, stage and permissions reach both snapshots; a drop resumes without loss or duplicates', async () => {
    const hostId = uniqueUser('host');
    const hostClient = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(hostId) });
    const { session } = await hostClient.createSession({ title: 'Store', mode: 'broadcast', visibility: 'public' });
    const host = await storeFor(hostId, session.id);
    const viewerId = uniqueUser('viewer');
    const viewer = await storeFor(viewerId, session.id);

    const v0 = viewer.store.getSnapshot();
    assert.equal(v0.phase, 'live');
    assert.equal(v0.role, 'viewer');
    assert.equal(v0.permissions.canRequestStage, true);
    assert.equal(v0.permissions.canModerate, false);
    assert.equal(host.store.getSnapshot().permissions.canModerate, true);
    assert.equal(v0.grant?.token.length !== 0, true, 'the LiveKit token is in the snapshot');

    await viewer.store.sendMessage('hello host');
    await eventually(() => host.store.getSnapshot().chat.messages.some((m) => m.text === 'hello host'), { what: 'host sees the message' });

    // Every snapshot change is told to subscribers, and an old snapshot never changes under them.
    let told = 0;
    const off = viewer.store.subscribe(() => told++);
    const beforeStage = viewer.store.getSnapshot();
    await viewer.store.requestStage();
    assert.equal(viewer.store.getSnapshot().stage.mine?.status, 'pending');
    assert.equal(beforeStage.stage.mine, null);
    await eventually(() => host.store.getSnapshot().stage.pending.some((r) => r.userId === viewerId), {
      what: 'the host sees the request',
    });
    const pending = host.store.getSnapshot().stage.pending.find((r) => r.userId === viewerId);
    assert.ok(pending);
    await host.store.approveRequest(pending.id);
    assert.deepEqual(host.store.getSnapshot().stage.pending, []);
    // Two pushes, the role and the request's new status, in either order.
    await eventually(() => viewer.store.getSnapshot().role === 'guest' && viewer.store.getSnapshot().stage.mine?.status === 'approved', {
      what: 'the viewer becomes a guest, their request approved',
    });
    // My role changed: the server pushes what a guest may do (session.permissions); nothing is re-read.
    await eventually(() => viewer.store.getSnapshot().permissions.canPublish, { what: "the server's permissions as a guest" });
    const guest = viewer.store.getSnapshot();
    assert.deepEqual(guest.permissions.publishSources, ['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    assert.equal(guest.permissions.canPublish, true);
    assert.equal(guest.permissions.canRequestStage, false);
    assert.ok(told >= 3, `the viewer's listeners were told ${told} times`);
    off();
    await eventually(() => host.store.getSnapshot().participants.some((p) => p.userId === viewerId && p.role === 'guest'), {
      what: "the guest in the host's participants",
    });

    // Drop the viewer's connection and send while it is down: the resume delivers each message once, in order.
    const states = new Set<string>();
    const offStates = viewer.store.subscribe(() => states.add(viewer.store.getSnapshot().connection));
    viewer.realtime.reconnect();
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push(await host.store.sendMessage(text));
    await eventually(() => viewer.store.getSnapshot().chat.messages.some((m) => m.text === 'three'), { what: 'the viewer catches up' });
    offStates();
    assert.ok(states.has('reconnecting'), `the snapshot showed the drop (${[...states].join()})`);
    const seqs = viewer.store.getSnapshot().chat.messages.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => a - b),
      `in seq order without duplicates: ${seqs.join()}`,
    );
    assert.deepEqual(
      viewer.store
        .getSnapshot()
        .chat.messages.map((m) => m.text)
        .slice(-3),
      ['one', 'two', 'three'],
    );

    await host.store.end();
    assert.equal(host.store.getSnapshot().phase, 'ended');
    await eventually(() => viewer.store.getSnapshot().phase === 'ended', { what: 'the viewer sees the end' });
    assert.equal(viewer.store.getSnapshot().permissions.canChat, false);
  });

  it('a refused join shows its code', async () => {
    const hostClient = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(uniqueUser('host')) });
    const { session } = await hostClient.createSession({ title: 'Private', mode: 'broadcast', visibility: 'private' });
    const outsider = await storeFor(uniqueUser('outsider'), session.id);
    assert.equal(outsider.store.getSnapshot().phase, 'refused');
    assert.equal(outsider.store.getSnapshot().error?.code, 'SESSION_FORBIDDEN');
  });
});
