import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, TestStack, uniqueUser, userToken } from '../../server/test/harness.ts';
import { createGoliveClient, type GoliveRealtime, isGoliveError, RealtimeRequestError } from './index.ts';

describe('SDK: chat, settings and realtime through one client', () => {
  let stack: TestStack;
  const realtimes: GoliveRealtime[] = [];
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    for (const r of realtimes) r.close();
    await stack?.stop();
  });

  const clientFor = async (userId: string) => createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(userId) });

  it('sends over realtime, reads history, moderates and changes settings with the same client', async () => {
    const host = await clientFor(uniqueUser('host'));
    const viewer = await clientFor(uniqueUser('viewer'));
    const { session } = await host.createSession({ title: 'SDK chat', mode: 'broadcast', visibility: 'public' });

    const viewerLive = viewer.realtime();
    const hostLive = host.realtime();
    realtimes.push(viewerLive, hostLive);
    await Promise.all([viewerLive.connect(), hostLive.connect()]);
    const viewerSub = await viewerLive.subscribe(session.id);
    const hostSub = await hostLive.subscribe(session.id);

    const hello = await viewerSub.send('hello from the SDK');
    const spam = await viewerSub.send('buy now!!!');
    await eventually(() => hostSub.messages.length === 2, { what: 'host sees both messages' });

    await host.deleteMessage(session.id, spam.id);
    const pinned = await host.pinMessage(session.id, hello.id);
    assert.equal(pinned.id, hello.id);
    await eventually(() => viewerSub.pinned?.id === hello.id && viewerSub.messages.length === 1);
    const page = await viewer.listMessages(session.id, { limit: 10 });
    assert.deepEqual(
      page.messages.map((m) => m.text),
      ['hello from the SDK'],
    );

    const settings = await host.updateSessionSettings(session.id, { chatEnabled: false });
    assert.equal(settings.chatEnabled, false);
    await eventually(() => viewerSub.settings?.chatEnabled === false);
    const refused = await viewerSub.send('anyone?').catch((e: unknown) => e);
    assert.ok(refused instanceof RealtimeRequestError);
    assert.equal(refused.code, 'CHAT_DISABLED');

    await host.unpinMessage(session.id);
    await eventually(() => viewerSub.pinned === null);
    const denied = await viewer.updateSessionSettings(session.id, { chatEnabled: true }).catch((e: unknown) => e);
    assert.ok(isGoliveError(denied, 'NOT_MODERATOR'));
  });
});
