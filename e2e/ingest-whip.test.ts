// WHIP ingest through golive into a real livekit-server: createIngest gives the WHIP URL (on
// golive itself) and a stream key; Chromium publishes its fake camera and microphone with WHIP
// over fetch from another origin, an rtc-node viewer decodes the frames, and the host's realtime
// subscription follows the ingest's state from LiveKit's webhooks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IngestStatus } from '@golive/sdk/protocol';
import { RoomEvent, TrackKind } from '@livekit/rtc-node';
import type { Browser } from 'playwright-core';
import type { SessionSubscription } from '../sdk/src/realtime/session-subscription.ts';
import { ingestIdentity } from '../server/src/ingest/ingest-participant.ts';
import { eventually, TestStack, uniqueUser, userToken } from '../server/test/harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  receiveAudio,
  waitForDecodedFrames,
} from '../server/test/media.ts';
import { RealtimeClients } from '../server/test/realtime-clients.ts';
import { launchChromium } from './browser.ts';
import { publishOverWhip, type WhipPublisher } from './whip-client.ts';

type Grant = { token: string; livekitUrl: string; identity: string; session: { id: string } };
type Credentials = { whipUrl: string; streamKey: string; rtmpUrl: string | null };
type SessionEvents = { events: { type: string; actorId: string | null; reason: string | null; data: { role?: string } }[] };

describe('WHIP ingest through golive (createIngest → Chromium → golive → livekit-server → rtc-node)', () => {
  let stack: TestStack;
  let browser: Browser;
  let hostId: string;
  let hostToken: string;
  let sessionId: string;
  let credentials: Credentials;
  let viewer: MediaParticipant;
  let publisher: WhipPublisher | undefined;
  let subscription: SessionSubscription;
  const seen: (IngestStatus | null)[] = [];
  const realtime = new RealtimeClients();
  const publishers: WhipPublisher[] = [];

  const publish = async (streamKey: string) => {
    const p = await publishOverWhip(browser, { whipUrl: credentials.whipUrl, streamKey, width: 640, height: 360 });
    publishers.push(p);
    return p;
  };
  const post = (headers: Record<string, string>, body = 'v=0\r\n') => fetch(credentials.whipUrl, { method: 'POST', headers, body });
  const leaves = (identity: string) =>
    new Promise<void>((resolve) =>
      viewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === identity) resolve();
      }),
    );

  before(async () => {
    browser = await launchChromium();
    stack = await TestStack.start({ env: { WHIP_POSTS_PER_MINUTE: '30' } });
    hostId = uniqueUser('obs-host');
    hostToken = await userToken(hostId, { name: 'Olga OBS' });
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      token: hostToken,
      body: { title: 'From OBS', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(created.status, 201);
    sessionId = created.body.session.id;
    const ingest = await stack.request<Credentials>('POST', `/v1/sessions/${sessionId}/ingest`, { token: hostToken });
    assert.equal(ingest.status, 201, JSON.stringify(ingest.body));
    credentials = ingest.body;
    subscription = await (await realtime.connect(stack, hostId, { name: 'Olga OBS' })).subscribe(sessionId);
    subscription.on('ingest', (status) => seen.push(status));

    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('viewer')) });
    assert.equal(joined.status, 200);
    viewer = await connectParticipant(joined.body.livekitUrl, joined.body.token);
  });
  after(async () => {
    for (const p of publishers) await p.close().catch(() => undefined);
    realtime.closeAll();
    await browser?.close();
    await viewer?.disconnect();
    await stack?.stop();
    await disposeMediaRuntime();
  });

  it('the WHIP URL is golive’s own; a missing or wrong key, and a body that is not SDP, are refused', async () => {
    // 127.0.0.1, while the client page is on localhost: every publish below is cross-origin, as from a browser app.
    assert.equal(credentials.whipUrl, `${stack.baseUrl}/v1/ingest/whip`);
    const missing = await post({ 'content-type': 'application/sdp' });
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { code: string }).code, 'UNAUTHENTICATED');
    const wrong = await post({ 'content-type': 'application/sdp', authorization: 'Bearer glsk_wrong' });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'INVALID_STREAM_KEY');
    const json = await post({ 'content-type': 'application/json', authorization: `Bearer ${credentials.streamKey}` }, '{}');
    assert.equal(json.status, 415);
    assert.equal(((await json.json()) as { code: string }).code, 'WHIP_CONTENT_TYPE');
    const malformed = await post({ 'content-type': 'application/sdp', authorization: `Bearer ${credentials.streamKey}` }, 'not an offer');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, 'WHIP_OFFER_REJECTED');
    // What a browser asks before a cross-origin publish.
    const preflight = await fetch(credentials.whipUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://encoder.example',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,if-match',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://encoder.example');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /if-match/);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH.*DELETE/);
  });

  it('a wrong key from the browser is refused before LiveKit sees anything', async () => {
    const refused = await publish('glsk_wrong');
    await refused.close();
    assert.equal(refused.offered.status, 401);
    assert.equal(viewer.room.remoteParticipants.size, 0);
  });

  it('publishes as the host: the viewer decodes its frames and hears it, the count is unchanged, the host sees receiving', async () => {
    publisher = await publish(credentials.streamKey);
    assert.equal(publisher.offered.status, 201, publisher.offered.body);
    // Read by the page across origins: golive exposes Location and ETag to browser clients.
    assert.match(publisher.offered.location ?? '', /^\/v1\/ingest\/whip\/[A-Za-z0-9_-]{22}$/);
    assert.ok(!publisher.offered.body.includes('/whip/v1'), 'the answer is SDP, not a LiveKit URL');
    assert.ok(publisher.offered.etag, 'an ETag for trickle PATCHes');
    await publisher.connected();

    const identity = ingestIdentity(hostId);
    const decoded = await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 30, timeoutMs: 20_000 });
    assert.equal(decoded.frames.length, 30);
    assert.ok(decoded.frames.every((f) => f.width > 0 && f.height > 0));

    const ingest = viewer.room.remoteParticipants.get(identity);
    assert.ok(ingest, 'the ingest participant is in the room');
    assert.equal(ingest.name, 'Olga OBS');
    assert.equal(ingest.attributes['golive.role'], 'host');
    assert.equal(ingest.attributes['golive.ingest'], 'whip');
    assert.equal(ingest.attributes['golive.ingestFor'], hostId);
    const kinds = [...ingest.trackPublications.values()].map((p) => p.kind).sort();
    assert.deepEqual(kinds, [TrackKind.KIND_AUDIO, TrackKind.KIND_VIDEO].sort());
    // Chromium's fake microphone beeps: over two seconds the decoded audio is not all silence.
    const audio = await receiveAudio(viewer.room, { fromIdentity: identity, durationMs: 2_000, timeoutMs: 10_000 });
    assert.ok(audio.peak > 1_000, `the fake microphone's beep reached the viewer (peak ${audio.peak})`);

    // Candidates gathered after the POST reached LiveKit through the proxied PATCH.
    const patches = await publisher.patchStatuses();
    assert.ok(patches.length > 0, 'Chromium trickled candidates');
    assert.ok(
      patches.every((s) => s === 204),
      `every trickle PATCH answered 204: ${patches.join(',')}`,
    );

    // LiveKit's webhooks: the ingest participant with the host role, its tracks as "receiving".
    const receiving = await eventually(
      () => {
        const now = subscription.ingest;
        return now?.state === 'receiving' && now.audio && now.video ? now : null;
      },
      { timeoutMs: 10_000, what: 'the host to see the WHIP ingest receiving picture and sound' },
    );
    assert.equal(receiving.protocol, 'whip');
    await eventually(
      async () => {
        const res = await stack.request<SessionEvents>('GET', `/v1/sessions/${sessionId}/events`, { token: hostToken });
        return (
          res.body.events.some((e) => e.type === 'live.participant.joined' && e.actorId === identity && e.data.role === 'host') &&
          res.body.events.some((e) => e.type === 'live.ingest.started')
        );
      },
      { timeoutMs: 10_000, what: 'the ingest participant_joined webhook and live.ingest.started' },
    );
    const session = await stack.request<{ viewerCount: number }>('GET', `/v1/sessions/${sessionId}`, { token: hostToken });
    assert.equal(session.body.viewerCount, 1, 'only the rtc-node viewer is counted');
    const listed = await stack.request<{ participants: { userId: string; role: string; connected: boolean }[] }>(
      'GET',
      `/v1/sessions/${sessionId}/participants`,
      { token: hostToken },
    );
    assert.deepEqual(
      listed.body.participants.filter((p) => p.role === 'host').map((p) => [p.userId, p.connected]),
      [[hostId, true]],
      'the encoder is listed as the host, once',
    );
  });

  it('an ICE restart through PATCH If-Match: * moves the publish to new ICE credentials, and the frames keep coming', async () => {
    assert.ok(publisher);
    const before = await publisher.stats();
    assert.ok(before.iceLocalUfrag, 'Chromium reports the ICE transport');
    const status = await publisher.restartIce();
    assert.equal(status, 200);
    const after = await eventually(
      async () => {
        const now = await publisher?.stats();
        return now && now.iceState === 'connected' && now.iceLocalUfrag !== before.iceLocalUfrag ? now : null;
      },
      { timeoutMs: 15_000, what: 'ICE connected again with the new credentials' },
    );
    assert.notEqual(after.iceLocalUfrag, before.iceLocalUfrag);
    const decoded = await waitForDecodedFrames(viewer.room, { fromIdentity: ingestIdentity(hostId), count: 10, timeoutMs: 15_000 });
    assert.equal(decoded.frames.length, 10);
    const sentSince = (await publisher.stats()).framesSent - after.framesSent;
    assert.ok(sentSince > 0, 'Chromium still sends frames on the restarted transport');
  });

  it('PATCH needs If-Match and the resource of its own session', async () => {
    assert.ok(publisher);
    const headers = { authorization: `Bearer ${credentials.streamKey}`, 'content-type': 'application/trickle-ice-sdpfrag' };
    const noTag = await fetch(publisher.resourceUrl, { method: 'PATCH', headers, body: 'a=mid:0\r\n' });
    assert.equal(noTag.status, 428);
    assert.equal(((await noTag.json()) as { code: string }).code, 'WHIP_IF_MATCH_REQUIRED');
    const unknown = await fetch(`${credentials.whipUrl}/unknownresource`, { method: 'DELETE', headers });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'WHIP_RESOURCE_NOT_FOUND');
    const wrongKey = await fetch(publisher.resourceUrl, { method: 'DELETE', headers: { authorization: 'Bearer glsk_wrong' } });
    assert.equal(wrongKey.status, 401);
  });

  it('DELETE stops the publish: the ingest participant leaves, its resource is gone, the host sees stopped', async () => {
    assert.ok(publisher);
    const identity = ingestIdentity(hostId);
    const left = leaves(identity);
    assert.equal(await publisher.stop(), 200);
    await left;
    assert.equal(viewer.room.remoteParticipants.has(identity), false);
    assert.deepEqual(await stack.services.whip.find(new URL(publisher.resourceUrl).pathname.split('/').at(-1) ?? ''), null);
    const again = await fetch(publisher.resourceUrl, { method: 'DELETE', headers: { authorization: `Bearer ${credentials.streamKey}` } });
    assert.equal(again.status, 404);
    const stopped = await eventually(() => (subscription.ingest?.state === 'stopped' ? subscription.ingest : null), {
      what: 'the host to see the ingest stopped',
    });
    assert.equal(stopped.stopReason, 'encoder_disconnected');
    const order = seen.map((s) => s?.state ?? 'none');
    assert.ok(order.indexOf('receiving') >= 0 && order.indexOf('receiving') < order.lastIndexOf('stopped'), order.join(' → '));
  });

  it('rotating the key removes the publish that uses it; the rotated-out key is refused', async () => {
    publisher = await publish(credentials.streamKey);
    assert.equal(publisher.offered.status, 201);
    const identity = ingestIdentity(hostId);
    await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 5, timeoutMs: 20_000 });
    const left = leaves(identity);
    const rotated = await stack.request<Credentials>('POST', `/v1/sessions/${sessionId}/ingest/rotate`, { token: hostToken });
    assert.equal(rotated.status, 200);
    await left;
    const old = credentials.streamKey;
    const refusedPost = await post({ 'content-type': 'application/sdp', authorization: `Bearer ${old}` });
    assert.equal(refusedPost.status, 401);
    assert.equal(((await refusedPost.json()) as { code: string }).code, 'INVALID_STREAM_KEY');
    const refusedDelete = await fetch(publisher.resourceUrl, { method: 'DELETE', headers: { authorization: `Bearer ${old}` } });
    assert.equal(refusedDelete.status, 401);
    await eventually(() => subscription.ingest?.state === 'waiting', { what: 'the host to see waiting for the new key' });
    credentials = rotated.body;
  });

  it('the key of an ended session is refused, and WHIP offers are rate limited per address', async () => {
    const ended = await stack.request('POST', `/v1/sessions/${sessionId}/end`, { token: hostToken });
    assert.equal(ended.status, 200);
    const refused = await post({ 'content-type': 'application/sdp', authorization: `Bearer ${credentials.streamKey}` });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'INVALID_STREAM_KEY');
    const statuses: number[] = [];
    for (let i = 0; i < 31 && !statuses.includes(429); i++) statuses.push((await post({ 'content-type': 'application/sdp' })).status);
    assert.equal(statuses.at(-1), 429, `a client trying keys is slowed down: ${statuses.join(',')}`);
  });
});
