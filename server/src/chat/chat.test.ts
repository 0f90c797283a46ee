import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '@golive/sdk/protocol';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { errorCode, liveSession, RealtimeClients } from '../../test/realtime-clients.ts';

describe('chat over realtime, kept in PostgreSQL', () => {
  let stack: TestStack;
  const clients = new RealtimeClients();
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    clients.closeAll();
    await stack?.stop();
  });

  it('saves, acknowledges with id and seq, and broadcasts in order; history equals what was delivered', async () => {
    const { id, hostId } = await liveSession(stack);
    const host = await (await clients.connect(stack, hostId)).subscribe(id);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    const received: ChatMessage[] = [];
    viewer.on('message', (m) => received.push(m));
    const acks = await Promise.all(['one', 'two', 'three'].map((text) => host.send(text)));
    assert.ok(acks.every((a) => /^[0-9a-f-]{36}$/.test(a.id) && a.seq > 0));
    await eventually(() => received.length === 3, { what: 'three messages' });
    assert.deepEqual(
      received.map((m) => m.seq),
      [1, 2, 3],
    );
    assert.deepEqual(new Set(received.map((m) => m.text)), new Set(['one', 'two', 'three']));
    assert.equal(received[0]?.user.role, 'host');
    const history = await stack.request<{ messages: ChatMessage[] }>('GET', `/v1/sessions/${id}/messages`, {
      token: await userToken(uniqueUser()),
    });
    assert.deepEqual(history.body.messages, received);
  });

  it('refuses empty and over-long messages with MESSAGE_EMPTY and MESSAGE_TOO_LONG, writing nothing', async () => {
    const { id } = await liveSession(stack);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    assert.equal(await errorCode(viewer.send('   ')), 'MESSAGE_EMPTY');
    assert.equal(await errorCode(viewer.send('x'.repeat(501))), 'MESSAGE_TOO_LONG');
    const ok = await viewer.send(` ${'é'.repeat(500)} `);
    assert.equal(ok.text, 'é'.repeat(500), '500 characters after trimming is allowed');
    const rows = await stack.services.db.selectFrom('chat_messages').select('id').where('session_id', '=', id).execute();
    assert.equal(rows.length, 1);
  });

  it('stores and delivers an HTML/script payload as the exact text, never as markup', async () => {
    const { id } = await liveSession(stack);
    const payload = `<img src=x onerror="alert('xss')"><script>alert(document.cookie)</script>&amp;`;
    const sender = await (await clients.connect(stack)).subscribe(id);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    const got: ChatMessage[] = [];
    viewer.on('message', (m) => got.push(m));
    await sender.send(payload);
    await eventually(() => got.length === 1);
    assert.equal(got[0]?.text, payload, 'delivered byte for byte, not escaped or stripped');
    const res = await fetch(`${stack.baseUrl}/v1/sessions/${id}/messages`, {
      headers: { authorization: `Bearer ${await userToken(uniqueUser())}` },
    });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(((await res.json()) as { messages: ChatMessage[] }).messages[0]?.text, payload);
  });

  it('rate-limits each user (5 per 10 s by default) with RATE_LIMITED and a retry time', async () => {
    const { id } = await liveSession(stack);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    for (let i = 0; i < 5; i++) await viewer.send(`m${i}`);
    const error = await viewer.send('m5').catch((e: unknown) => e as { code: string; retryAfterMs: number });
    assert.equal((error as { code: string }).code, 'RATE_LIMITED');
    assert.ok((error as { retryAfterMs: number }).retryAfterMs > 0);
    const other = await (await clients.connect(stack)).subscribe(id);
    await other.send('another user is not limited');
  });

  it('applies slow mode set live by the host, exempting the host, and pushes the new settings', async () => {
    const { id, hostId, hostToken } = await liveSession(stack);
    const host = await (await clients.connect(stack, hostId)).subscribe(id);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    const seen: number[] = [];
    viewer.on('settings', (s) => seen.push(s.slowModeSec));
    const patch = await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { slowModeSec: 30 } });
    assert.equal(patch.status, 200);
    await eventually(() => seen.includes(30), { what: 'settings push' });
    await viewer.send('first');
    assert.equal(await errorCode(viewer.send('second')), 'SLOW_MODE');
    await host.send('host one');
    await host.send('host two');
    const denied = await stack.request<{ code: string }>('PATCH', `/v1/sessions/${id}/settings`, {
      token: await userToken(uniqueUser()),
      body: { slowModeSec: 0 },
    });
    assert.equal(denied.body.code, 'NOT_MODERATOR');
  });

  it('turns chat off per session with CHAT_DISABLED', async () => {
    const { id, hostToken } = await liveSession(stack, { settings: { chatEnabled: false } });
    const viewer = await (await clients.connect(stack)).subscribe(id);
    assert.equal(viewer.settings?.chatEnabled, false);
    assert.equal(await errorCode(viewer.send('hello?')), 'CHAT_DISABLED');
    await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { chatEnabled: true } });
    await eventually(() => viewer.settings?.chatEnabled === true);
    assert.ok((await viewer.send('now it works')).seq > 0);
  });

  it('lets the host delete a message for everyone and from history, and pin one that new subscribers see', async () => {
    const { id, hostToken } = await liveSession(stack);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    const watcher = await (await clients.connect(stack)).subscribe(id);
    const bad = await viewer.send('spam spam');
    const good = await viewer.send('great question');
    await eventually(() => watcher.messages.length === 2);
    const deletedLive: string[] = [];
    watcher.on('deleted', (messageId) => deletedLive.push(messageId));
    const notHost = await stack.request<{ code: string }>('DELETE', `/v1/sessions/${id}/messages/${bad.id}`, {
      token: await userToken(uniqueUser()),
    });
    assert.equal(notHost.body.code, 'NOT_MODERATOR');
    assert.equal((await stack.request('DELETE', `/v1/sessions/${id}/messages/${bad.id}`, { token: hostToken })).status, 204);
    await eventually(() => deletedLive.includes(bad.id), { what: 'chat.deleted push' });
    assert.deepEqual(
      watcher.messages.map((m) => m.id),
      [good.id],
    );
    const history = await stack.request<{ messages: ChatMessage[] }>('GET', `/v1/sessions/${id}/messages`, { token: hostToken });
    assert.deepEqual(
      history.body.messages.map((m) => m.id),
      [good.id],
    );

    const pinnedLive: (string | null)[] = [];
    watcher.on('pinned', (m) => pinnedLive.push(m?.id ?? null));
    const pin = await stack.request<{ pinned: ChatMessage }>('PUT', `/v1/sessions/${id}/pin`, {
      token: hostToken,
      body: { messageId: good.id },
    });
    assert.equal(pin.body.pinned.id, good.id);
    await eventually(() => pinnedLive.includes(good.id));
    const late = await (await clients.connect(stack)).subscribe(id);
    assert.equal(late.pinned?.id, good.id, 'a new subscriber sees the pin on join');
    const pinDeleted = await stack.request<{ code: string }>('PUT', `/v1/sessions/${id}/pin`, {
      token: hostToken,
      body: { messageId: bad.id },
    });
    assert.equal(pinDeleted.body.code, 'MESSAGE_NOT_FOUND');
  });

  it('refuses an outsider subscribing to a private session, and bad credentials at connect', async () => {
    const { id } = await liveSession(stack, { visibility: 'private', participants: ['invited-1'] });
    const outsider = await clients.connect(stack);
    assert.equal(await errorCode(outsider.subscribe(id)), 'SESSION_FORBIDDEN');
    const invited = await clients.connect(stack, 'invited-1');
    assert.ok(await invited.subscribe(id));
    const { GoliveRealtime } = await import('../../../sdk/src/realtime/realtime-client.ts');
    assert.equal(await errorCode(new GoliveRealtime({ baseUrl: stack.baseUrl }).connect()), 'UNAUTHENTICATED');
    assert.equal(await errorCode(new GoliveRealtime({ baseUrl: stack.baseUrl, token: 'not-a-jwt' }).connect()), 'INVALID_TOKEN');
    const notSubscribed = await clients.connect(stack);
    assert.equal(await errorCode(notSubscribed.request('chat.send', { sessionId: id, text: 'hi' })), 'NOT_SUBSCRIBED');
    assert.equal(await errorCode(notSubscribed.request('chat.send', { sessionId: 'nope', text: 'hi' })), 'VALIDATION_FAILED');
  });

  it('pushes session.ended with the reason the moment the host ends the session', async () => {
    const { id, hostToken } = await liveSession(stack);
    const viewer = await (await clients.connect(stack)).subscribe(id);
    const ended: string[] = [];
    viewer.on('ended', (e) => ended.push(e.reason));
    await stack.request('POST', `/v1/sessions/${id}/end`, { token: hostToken, body: { reason: 'show is over' } });
    await eventually(() => ended.length === 1, { what: 'session.ended' });
    assert.deepEqual(ended, ['show is over']);
    const lateViewer = await clients.connect(stack);
    assert.equal(await errorCode(lateViewer.subscribe(id)), 'SESSION_ENDED');
  });
});
