// The media path end to end: golive tokens on a real livekit-server, real WebRTC through
// @livekit/rtc-node, viewer counts from LiveKit's real webhooks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConnectionState,
  DisconnectReason,
  LocalVideoTrack,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  VideoSource,
} from '@livekit/rtc-node';
import { aUser, factories, type SessionSpec } from './factories.ts';
import { eventually, TestStack, uniqueUser, userToken } from './harness.ts';
import {
  connectParticipant,
  type DecodedFrames,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  waitForDecodedFrames,
} from './media.ts';

// livekit-server's own log lines reach stack.logs only at debug level; the publish-refusal test
// reads LiveKit's refusal there. This process runs this file only.
process.env.GOLIVE_TEST_LOG_LEVEL = 'debug';

type Grant = { token: string; livekitUrl: string; role: string; identity: string; session: { id: string } };
type Session = { id: string; status: string; viewerCount: number; peakViewers: number };
type SessionEvents = { events: { type: string; actorId: string | null; data: { role?: string } }[] };

const WIDTH = 640;
const HEIGHT = 360;

describe('media path through golive on a real livekit-server (rtc-node)', () => {
  let stack: TestStack;
  const clients: MediaParticipant[] = [];
  const videos: SyntheticVideo[] = [];

  before(async () => {
    stack = await TestStack.start();
  });
  after(async () => {
    await Promise.allSettled(videos.map((v) => v.stop()));
    await Promise.allSettled(clients.map((c) => c.disconnect()));
    await stack?.stop();
    // Last: rtc-node's native runtime keeps the process alive until it is disposed.
    await disposeMediaRuntime();
  });

  const createSession = async (hostId: string, spec: SessionSpec): Promise<Grant> => {
    const created = await factories(stack).goLive({ host: await aUser('host', { id: hostId }), title: 'Media test', ...spec });
    return { ...created.grant, session: created.session };
  };
  const join = async (sessionId: string, userId: string, options: { admin?: boolean } = {}) =>
    stack.request<Grant & { code?: string }>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(userId, options) });
  const connect = async (grant: Grant) => {
    const client = await connectParticipant(grant.livekitUrl, grant.token);
    clients.push(client);
    assert.equal(client.identity, grant.identity);
    return client;
  };
  const publish = async (client: MediaParticipant) => {
    const video = await publishSyntheticVideo(client.room, { width: WIDTH, height: HEIGHT, fps: 30 });
    videos.push(video);
    return video;
  };
  const getSession = async (id: string, asUser: string) =>
    (await stack.request<Session>('GET', `/v1/sessions/${id}`, { token: await userToken(asUser) })).body;
  /** Waits until golive has ingested LiveKit's participant_joined webhook for every identity. */
  const joinsIngested = (id: string, hostId: string, identities: string[]) =>
    eventually(
      async () => {
        const res = await stack.request<SessionEvents>('GET', `/v1/sessions/${id}/events`, { token: await userToken(hostId) });
        const joined = new Set(res.body.events.filter((e) => e.type === 'live.participant.joined').map((e) => e.actorId));
        return identities.every((identity) => joined.has(identity));
      },
      { what: `participant_joined webhooks for ${identities.join(', ')}` },
    );
  const assertVideoFrom = (received: DecodedFrames, video: SyntheticVideo) => {
    for (const frame of received.frames) assert.deepEqual([frame.width, frame.height], [WIDTH, HEIGHT]);
    // The stamps prove these are the publisher's frames, in order, not any video.
    const stamps = received.frames.map((f) => f.stamp).filter((s) => s !== null);
    assert.ok(stamps.length >= received.frames.length / 2, `readable stamps: ${stamps.length} of ${received.frames.length}`);
    for (const stamp of stamps) assert.ok(video.sentAt(stamp) !== undefined, `stamp ${stamp} is a frame the host sent`);
    for (let i = 1; i < stamps.length; i++) assert.ok((stamps[i] ?? 0) > (stamps[i - 1] ?? 0), 'stamps increase');
  };

  describe('public broadcast: host publishes, viewer watches, end disconnects both', () => {
    const hostId = uniqueUser('host');
    const viewerId = uniqueUser('viewer');
    let sessionId: string;
    let host: MediaParticipant;
    let viewer: MediaParticipant;

    it('the host publishes a synthetic camera track and the viewer receives decoded frames', async (t) => {
      const createdAt = performance.now();
      const created = await createSession(hostId, {});
      sessionId = created.session.id;
      const createMs = performance.now() - createdAt;
      host = await connect(created);
      const video = await publish(host);

      const joinStarted = performance.now();
      const joined = await join(sessionId, viewerId);
      assert.equal(joined.status, 200);
      assert.equal(joined.body.role, 'viewer');
      viewer = await connect(joined.body);
      const received = await waitForDecodedFrames(viewer.room, { fromIdentity: hostId, count: 10, timeoutMs: 10_000 });
      const firstFrame = received.frames[0];
      assert.ok(firstFrame);
      assert.equal(received.frames.length, 10);
      assertVideoFrom(received, video);

      const stamped = received.frames.filter((f) => f.stamp !== null);
      const transitMs = stamped.map((f) => f.receivedAt - (video.sentAt(f.stamp ?? -1) ?? Number.NaN));
      t.diagnostic(
        `create ${createMs.toFixed(0)} ms, host connect ${host.connectMs.toFixed(0)} ms, publish ${video.publishMs.toFixed(0)} ms; ` +
          `viewer join→first frame ${(firstFrame.receivedAt - joinStarted).toFixed(0)} ms ` +
          `(connect ${viewer.connectMs.toFixed(0)} ms, subscribed→first frame ${(firstFrame.receivedAt - received.subscribedAt).toFixed(0)} ms); ` +
          `stamped ${stamped.length}/10, capture→decoded ${transitMs.map((ms) => ms.toFixed(0)).join(',')} ms`,
      );
    });

    it("refuses the viewer's attempt to publish at LiveKit", async (t) => {
      const seenByHost: string[] = [];
      host.room.on(RoomEvent.TrackPublished, (publication, participant) => seenByHost.push(`${participant.identity}/${publication.sid}`));
      const source = new VideoSource(320, 240);
      const track = LocalVideoTrack.createVideoTrack('viewer-camera', source);
      const started = performance.now();
      const localParticipant = viewer.room.localParticipant;
      assert.ok(localParticipant);
      // LiveKit answers AddTrack with RequestResponse NOT_ALLOWED; rtc-node 1.1.0 ignores that
      // response, so the denial surfaces as its 10 s publication timeout.
      await assert.rejects(localParticipant.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA })), {
        message: /track publication timed out, no response received from the server/,
      });
      t.diagnostic(`viewer publishTrack rejected after ${(performance.now() - started).toFixed(0)} ms`);
      await source.close();

      assert.ok(
        stack.logs.lines.some((line) => line.includes('no permission to publish track') && line.includes(viewerId)),
        'livekit-server logged the refusal for the viewer',
      );
      assert.deepEqual(seenByHost, [], 'the host never saw a track from the viewer');
      assert.equal(host.room.remoteParticipants.get(viewerId)?.trackPublications.size, 0);
      const onServer = (await stack.services.livekit.listParticipants(sessionId)).find((p) => p.identity === viewerId);
      assert.ok(onServer, 'the viewer is still in the room');
      assert.equal(onServer.tracks.length, 0);
      assert.equal(onServer.permission?.canPublish, false);
      assert.equal(viewer.room.connectionState, ConnectionState.CONN_CONNECTED, 'the refusal does not disconnect the viewer');
    });

    it('counts the connected viewer from real LiveKit webhooks', async () => {
      const session = await eventually(
        async () => {
          const s = await getSession(sessionId, hostId);
          return s.viewerCount === 1 ? s : null;
        },
        { what: 'viewerCount 1' },
      );
      assert.equal(session.status, 'live');
      assert.equal(session.peakViewers, 1);
    });

    it('endSession disconnects both clients, deletes the room and returns the count to 0', async (t) => {
      const started = performance.now();
      const ended = await stack.request<Session>('POST', `/v1/sessions/${sessionId}/end`, { token: await userToken(hostId) });
      assert.equal(ended.status, 200);
      const reasons = await Promise.all([host.disconnected, viewer.disconnected]);
      t.diagnostic(`end → both disconnected in ${(performance.now() - started).toFixed(0)} ms`);
      assert.deepEqual(reasons, [DisconnectReason.ROOM_DELETED, DisconnectReason.ROOM_DELETED]);
      assert.equal(host.room.connectionState, ConnectionState.CONN_DISCONNECTED);
      assert.equal(viewer.room.connectionState, ConnectionState.CONN_DISCONNECTED);
      assert.deepEqual(await stack.services.livekit.listRooms([sessionId]), []);
      const session = await getSession(sessionId, hostId);
      assert.equal(session.status, 'ended');
      assert.equal(session.viewerCount, 0);
      assert.equal(session.peakViewers, 1);
    });
  });

  it('private interactive session: outsider 403, allowlisted guest publishes, hidden admin watches unseen and uncounted', async (t) => {
    const hostId = uniqueUser('agent');
    const guestId = uniqueUser('requester');
    const adminId = uniqueUser('admin');
    const created = await createSession(hostId, { visibility: 'private', mode: 'interactive', participants: [guestId] });
    const id = created.session.id;

    const outsider = await join(id, uniqueUser('outsider'));
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.code, 'SESSION_FORBIDDEN');

    const host = await connect(created);
    const hostVideo = await publish(host);
    const adminGrant = await join(id, adminId, { admin: true });
    assert.equal(adminGrant.body.role, 'observer');
    const admin = await connect(adminGrant.body);

    // The guest connects after the admin: once the host sees the guest, it has had every
    // participant update LiveKit sent about the admin.
    const guestGrant = await join(id, guestId);
    assert.equal(guestGrant.body.role, 'guest');
    const guest = await connect(guestGrant.body);
    const guestVideo = await publish(guest);
    const [hostSeesGuest, adminSeesGuest, guestSeesHost] = await Promise.all([
      waitForDecodedFrames(host.room, { fromIdentity: guestId, count: 5 }),
      waitForDecodedFrames(admin.room, { fromIdentity: guestId, count: 5 }),
      waitForDecodedFrames(guest.room, { fromIdentity: hostId, count: 5 }),
    ]);
    assertVideoFrom(hostSeesGuest, guestVideo);
    assertVideoFrom(adminSeesGuest, guestVideo);
    assertVideoFrom(guestSeesHost, hostVideo);

    assert.deepEqual([...host.room.remoteParticipants.keys()], [guestId], 'the host sees the guest, not the admin');
    assert.deepEqual([...guest.room.remoteParticipants.keys()], [hostId], 'the guest sees the host, not the admin');
    assert.deepEqual([...admin.room.remoteParticipants.keys()].sort(), [guestId, hostId].sort(), 'the admin sees both');
    const adminOnServer = (await stack.services.livekit.listParticipants(id)).find((p) => p.identity === adminId);
    assert.equal(adminOnServer?.permission?.hidden, true, 'the admin is in the room, hidden');

    await joinsIngested(id, hostId, [hostId, adminId, guestId]);
    const session = await getSession(id, hostId);
    assert.equal(session.viewerCount, 0, 'host, guest and hidden admin are not viewers');
    assert.equal(session.peakViewers, 0);
    t.diagnostic(`guest connect ${guest.connectMs.toFixed(0)} ms, admin connect ${admin.connectMs.toFixed(0)} ms`);
  });

  it('private broadcast session: the allowlisted member is the one viewer; the hidden admin is not counted', async () => {
    const hostId = uniqueUser('agent');
    const memberId = uniqueUser('member');
    const adminId = uniqueUser('admin');
    const created = await createSession(hostId, { visibility: 'private', participants: [memberId] });
    const id = created.session.id;
    await connect(created);
    const memberGrant = await join(id, memberId);
    assert.equal(memberGrant.body.role, 'viewer');
    const adminGrant = await join(id, adminId, { admin: true });
    assert.equal(adminGrant.body.role, 'observer');
    await Promise.all([connect(memberGrant.body), connect(adminGrant.body)]);

    await joinsIngested(id, hostId, [hostId, memberId, adminId]);
    const session = await getSession(id, hostId);
    assert.equal(session.viewerCount, 1);
    assert.equal(session.peakViewers, 1);
  });
});
