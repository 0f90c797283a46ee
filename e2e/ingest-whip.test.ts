// WHIP ingest through golive's proxy into a real livekit-server: Chromium publishes its fake
// camera and microphone with WHIP over fetch, an rtc-node viewer decodes the frames.
// Phase 1: the WHIP routes are mounted on their own Fastify instance beside the TestStack, with
// one known stream key; phase 2 registers them in golive with keys from the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import cors from '@fastify/cors';
import { RoomEvent, TrackKind } from '@livekit/rtc-node';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { registerErrorHandling } from '../server/src/http/error-handler.ts';
import { ErrorSchema } from '../server/src/http/schemas.ts';
import { registerValidation } from '../server/src/http/validation.ts';
import { ingestIdentity } from '../server/src/ingest/ingest-participant.ts';
import { type IngestTarget, WHIP_CORS, whipRoutes } from '../server/src/ingest/whip.routes.ts';
import { MemoryWhipResourceStore, WhipProxy } from '../server/src/ingest/whip-proxy.ts';
import { eventually, TestStack, uniqueUser, userToken } from '../server/test/harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  receiveAudio,
  waitForDecodedFrames,
} from '../server/test/media.ts';
import { launchChromium } from './browser.ts';
import { publishOverWhip, type WhipPublisher } from './whip-client.ts';

type Grant = { token: string; livekitUrl: string; identity: string; session: { id: string } };
type Session = { viewerCount: number };
type SessionEvents = { events: { type: string; actorId: string | null; data: { role?: string } }[] };

const STREAM_KEY = 'sk_test_whip_0123456789abcdef';

describe('WHIP ingest through the golive proxy (Chromium → golive → livekit-server → rtc-node)', () => {
  let stack: TestStack;
  let browser: Browser;
  let whip: FastifyInstance;
  let whipUrl: string;
  let hostId: string;
  let sessionId: string;
  let viewer: MediaParticipant;
  let publisher: WhipPublisher | undefined;
  const resources = new MemoryWhipResourceStore();

  before(async () => {
    browser = await launchChromium();
    stack = await TestStack.start();
    hostId = uniqueUser('obs-host');
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(hostId, { name: 'Olga OBS' }),
      body: { title: 'From OBS', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(created.status, 201);
    sessionId = created.body.session.id;
    const target: IngestTarget = { sessionId, hostId, hostName: 'Olga OBS' };

    // The pieces of golive's pipeline these routes rely on: validation, error bodies, CORS.
    whip = Fastify();
    registerValidation(whip);
    registerErrorHandling(whip);
    whip.addSchema(ErrorSchema);
    await whip.register(cors, { origin: true, ...WHIP_CORS });
    const proxy = new WhipProxy({
      livekitUrl: stack.livekitServer.endpoint.apiUrl,
      resources,
      resourcePath: (id) => `/v1/ingest/whip/${id}`,
    });
    await whip.register(whipRoutes, {
      prefix: '/v1',
      proxy,
      livekit: stack.services.livekit,
      resolveStreamKey: async (key) => (key === STREAM_KEY ? target : null),
    });
    await whip.listen({ host: '127.0.0.1', port: 0 });
    const address = whip.server.address();
    assert.ok(address && typeof address === 'object');
    // 127.0.0.1, while the client page is on localhost: a cross-origin publish, as from a browser app.
    whipUrl = `http://127.0.0.1:${address.port}/v1/ingest/whip`;

    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('viewer')) });
    assert.equal(joined.status, 200);
    viewer = await connectParticipant(joined.body.livekitUrl, joined.body.token);
  });
  after(async () => {
    await publisher?.close();
    await browser?.close();
    await whip?.close();
    await viewer?.disconnect();
    await stack?.stop();
    await disposeMediaRuntime();
  });

  it('refuses a missing or wrong stream key, and a body that is not SDP', async () => {
    const post = (headers: Record<string, string>, body = 'v=0\r\n') => fetch(whipUrl, { method: 'POST', headers, body });
    const missing = await post({ 'content-type': 'application/sdp' });
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { code: string }).code, 'UNAUTHENTICATED');
    const wrong = await post({ 'content-type': 'application/sdp', authorization: 'Bearer sk_wrong' });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'INVALID_STREAM_KEY');
    const json = await post({ 'content-type': 'application/json', authorization: `Bearer ${STREAM_KEY}` }, '{}');
    assert.equal(json.status, 415);
    assert.equal(((await json.json()) as { code: string }).code, 'WHIP_CONTENT_TYPE');
    const malformed = await post({ 'content-type': 'application/sdp', authorization: `Bearer ${STREAM_KEY}` }, 'not an offer');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, 'WHIP_OFFER_REJECTED');
  });

  it('a wrong key from the browser is refused before LiveKit sees anything', async () => {
    const refused = await publishOverWhip(browser, { whipUrl, streamKey: 'sk_wrong' });
    await refused.close();
    assert.equal(refused.offered.status, 401);
    assert.equal(viewer.room.remoteParticipants.size, 0);
  });

  it('publishes as the host: the viewer decodes its frames and hears it, golive hides LiveKit, the count is unchanged', async () => {
    publisher = await publishOverWhip(browser, { whipUrl, streamKey: STREAM_KEY, width: 640, height: 360 });
    assert.equal(publisher.offered.status, 201, publisher.offered.body);
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

    // LiveKit's webhook for the ingest participant is in, with the host role, and counts nobody.
    const host = await userToken(hostId);
    await eventually(
      async () => {
        const res = await stack.request<SessionEvents>('GET', `/v1/sessions/${sessionId}/events`, { token: host });
        return res.body.events.some((e) => e.type === 'live.participant.joined' && e.actorId === identity && e.data.role === 'host');
      },
      { timeoutMs: 10_000, what: 'the ingest participant_joined webhook' },
    );
    const session = await stack.request<Session>('GET', `/v1/sessions/${sessionId}`, { token: host });
    assert.equal(session.body.viewerCount, 1, 'only the rtc-node viewer is counted');
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
    const headers = { authorization: `Bearer ${STREAM_KEY}`, 'content-type': 'application/trickle-ice-sdpfrag' };
    const noTag = await fetch(publisher.resourceUrl, { method: 'PATCH', headers, body: 'a=mid:0\r\n' });
    assert.equal(noTag.status, 428);
    assert.equal(((await noTag.json()) as { code: string }).code, 'WHIP_IF_MATCH_REQUIRED');
    const unknown = await fetch(`${whipUrl}/unknownresource`, { method: 'DELETE', headers });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'WHIP_RESOURCE_NOT_FOUND');
    const wrongKey = await fetch(publisher.resourceUrl, { method: 'DELETE', headers: { authorization: 'Bearer sk_wrong' } });
    assert.equal(wrongKey.status, 401);
  });

  it('DELETE stops the publish: the ingest participant leaves the room', async () => {
    assert.ok(publisher);
    const identity = ingestIdentity(hostId);
    const left = new Promise<void>((resolve) =>
      viewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === identity) resolve();
      }),
    );
    assert.equal(await publisher.stop(), 200);
    await left;
    assert.equal(viewer.room.remoteParticipants.has(identity), false);
    assert.deepEqual(await resources.listBySession(sessionId), [], 'the resource mapping is gone');
    const again = await fetch(publisher.resourceUrl, { method: 'DELETE', headers: { authorization: `Bearer ${STREAM_KEY}` } });
    assert.equal(again.status, 404);
  });
});
