// The stage with real media: a viewer asks, the host approves, and the viewer publishes on the
// same connection (no reconnect, no new token) to a third participant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StageRequest } from '@golive/sdk/protocol';
import { ConnectionState, LocalVideoTrack, RoomEvent, TrackPublishOptions, TrackSource, VideoSource } from '@livekit/rtc-node';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  waitForDecodedFrames,
} from '../../test/media.ts';
import { liveSession, RealtimeClients } from '../../test/realtime-clients.ts';

type Grant = { token: string; livekitUrl: string; role: string };
type Session = { viewerCount: number };
type ErrorBody = { code: string };

describe('stage: request, approve, publish live; demote; maxGuests; co-hosts', () => {
  let stack: TestStack;
  const media: MediaParticipant[] = [];
  const videos: SyntheticVideo[] = [];
  const realtime = new RealtimeClients();

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    realtime.closeAll();
    for (const v of videos) await v.stop();
    await disposeMediaRuntime(media);
    await stack?.stop();
  });

  const join = async (sessionId: string, userId: string) => {
    const res = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(userId) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const connect = async (grant: Grant) => {
    const p = await connectParticipant(grant.livekitUrl, grant.token);
    media.push(p);
    return p;
  };

  it('a viewer asks, the host approves in realtime, and the guest publishes without reconnecting', async (t) => {
    const { id, hostId, hostToken } = await liveSession(stack, { settings: { maxGuests: 1 } });
    const hostRt = await (await realtime.connect(stack, hostId)).subscribe(id);
    const requestsSeenByHost: StageRequest[] = [];
    hostRt.on('stageRequest', (r) => requestsSeenByHost.push(r));
    const guestId = uniqueUser('guest');
    const watcherId = uniqueUser('watcher');
    const guest = await connect(await join(id, guestId));
    const watcher = await connect(await join(id, watcherId));
    await eventually(async () => (await stack.request<Session>('GET', `/v1/sessions/${id}`, { token: hostToken })).body.viewerCount === 2, {
      what: 'two viewers counted',
    });

    // Before approval the viewer's publish is refused by LiveKit (rtc-node reports it as a timeout).
    const refusedSource = new VideoSource(320, 180);
    const refusedTrack = LocalVideoTrack.createVideoTrack('too-early', refusedSource);
    await assert.rejects(
      guest.room.localParticipant?.publishTrack(refusedTrack, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA })) ??
        Promise.reject(new Error('no participant')),
    );
    await refusedSource.close();

    const guestRt = await (await realtime.connect(stack, guestId)).subscribe(id);
    const rolesSeenByGuest: string[] = [];
    guestRt.on('role', (e) => {
      if (e.userId === guestId) rolesSeenByGuest.push(e.role);
    });
    const ask = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(guestId) });
    assert.equal(ask.status, 201);
    assert.equal(ask.body.status, 'pending');
    await eventually(() => requestsSeenByHost.some((r) => r.id === ask.body.id && r.status === 'pending'), {
      what: 'the host sees the request live',
    });
    const sidBefore = guest.room.localParticipant?.sid;
    // LiveKit applies UpdateParticipant's grants and attributes in one update, so the role attribute
    // arriving on the guest's own connection marks the moment its new grants are live; the publish
    // below, refused before, proves them.
    const permissionChanged = new Promise<number>((resolve) =>
      guest.room.on(RoomEvent.ParticipantAttributesChanged, (changed, participant) => {
        if (participant.identity === guestId && changed['golive.role'] === 'guest') resolve(performance.now());
      }),
    );
    const approvedAt = performance.now();
    const approve = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests/${ask.body.id}/approve`, {
      token: hostToken,
    });
    assert.equal(approve.status, 200, JSON.stringify(approve.body));
    assert.equal(approve.body.status, 'approved');
    const liveAt = await permissionChanged;
    t.diagnostic(`approve → publish permission live on the guest: ${(liveAt - approvedAt).toFixed(0)} ms`);
    assert.equal(guest.room.connectionState, ConnectionState.CONN_CONNECTED, 'still the same connection');
    assert.equal(guest.room.localParticipant?.sid, sidBefore, 'same participant, no reconnect');
    assert.equal(guest.room.localParticipant?.attributes?.['golive.role'], 'guest');
    await eventually(() => rolesSeenByGuest.includes('guest'), { what: 'participant.role pushed' });

    const video = await publishSyntheticVideo(guest.room, { width: 320, height: 180, fps: 15, name: 'guest-camera' });
    videos.push(video);
    const frames = await waitForDecodedFrames(watcher.room, { fromIdentity: guestId, count: 5 });
    assert.equal(frames.frames.length, 5);
    assert.ok(frames.frames.every((f) => f.width > 0 && f.height > 0));
    await eventually(async () => (await stack.request<Session>('GET', `/v1/sessions/${id}`, { token: hostToken })).body.viewerCount === 1, {
      what: 'the guest is no longer counted as a viewer',
    });

    // maxGuests = 1: a second approval is refused.
    const secondId = uniqueUser('second');
    const second = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(secondId) });
    const full = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/stage/requests/${second.body.id}/approve`, {
      token: hostToken,
    });
    assert.equal(full.status, 409);
    assert.equal(full.body.code, 'STAGE_FULL');

    // Demote: the guest's track disappears for the watcher and its grants drop.
    const unpublished = new Promise<void>((resolve) =>
      watcher.room.on(RoomEvent.TrackUnpublished, (_pub, participant) => {
        if (participant.identity === guestId) resolve();
      }),
    );
    const demote = await stack.request('PUT', `/v1/sessions/${id}/participants/${guestId}/role`, {
      token: hostToken,
      body: { role: 'viewer' },
    });
    assert.equal(demote.status, 200);
    await unpublished;
    await eventually(() => guest.room.localParticipant?.attributes?.['golive.role'] === 'viewer', {
      what: 'role attribute back to viewer',
    });
    const lk = await stack.services.livekit.getParticipant(id, guestId);
    assert.equal(lk?.permission?.canPublish, false, 'LiveKit holds the dropped grant');
    const participants = await stack.request<{ participants: { userId: string; role: string }[] }>(
      'GET',
      `/v1/sessions/${id}/participants`,
      {
        token: hostToken,
      },
    );
    assert.equal(participants.body.participants.find((p) => p.userId === guestId)?.role, 'viewer');
  });

  it('auto-approves without requireApproval, lets a co-host approve but not end, and refuses viewers', async () => {
    const { id, hostToken } = await liveSession(stack, { settings: { requireApproval: false } });
    const autoId = uniqueUser('auto');
    const auto = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(autoId) });
    assert.equal(auto.body.status, 'approved');
    const again = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(autoId) });
    assert.equal(again.body.code, 'ALREADY_ON_STAGE');

    await stack.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { requireApproval: true } });
    const cohostId = uniqueUser('cohost');
    const promote = await stack.request('PUT', `/v1/sessions/${id}/participants/${cohostId}/role`, {
      token: hostToken,
      body: { role: 'cohost' },
    });
    assert.equal(promote.status, 200);
    const cohostToken = await userToken(cohostId);
    const viewerId = uniqueUser('viewer');
    const ask = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(viewerId) });
    const byViewer = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/stage/requests/${ask.body.id}/approve`, {
      token: await userToken(uniqueUser('other')),
    });
    assert.equal(byViewer.body.code, 'NOT_MODERATOR');
    const byCohost = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests/${ask.body.id}/approve`, {
      token: cohostToken,
    });
    assert.equal(byCohost.body.status, 'approved');
    const end = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/end`, { token: cohostToken });
    assert.equal(end.body.code, 'NOT_HOST');
    const demoteHost = await stack.request<ErrorBody>(
      'PUT',
      `/v1/sessions/${id}/participants/${(await stack.request<{ host: { id: string } }>('GET', `/v1/sessions/${id}`, { token: hostToken })).body.host.id}/role`,
      {
        token: cohostToken,
        body: { role: 'viewer' },
      },
    );
    assert.equal(demoteHost.body.code, 'CANNOT_TARGET_HOST');
    const makeCohost = await stack.request<ErrorBody>('PUT', `/v1/sessions/${id}/participants/${viewerId}/role`, {
      token: cohostToken,
      body: { role: 'cohost' },
    });
    assert.equal(makeCohost.body.code, 'NOT_HOST', 'only the host makes co-hosts');
  });

  it('invites a viewer, who is told in realtime and accepts; cancel and reject close requests', async () => {
    const { id, hostId, hostToken } = await liveSession(stack);
    const inviteeId = uniqueUser('invitee');
    const inviteeRt = await (await realtime.connect(stack, inviteeId)).subscribe(id);
    const invitesSeen: StageRequest[] = [];
    inviteeRt.on('stageRequest', (r) => invitesSeen.push(r));
    await (await realtime.connect(stack, hostId)).subscribe(id);
    const invite = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/invites`, {
      token: hostToken,
      body: { userId: inviteeId },
    });
    assert.equal(invite.status, 201);
    assert.equal(invite.body.kind, 'invite');
    await eventually(() => invitesSeen.some((r) => r.id === invite.body.id), { what: 'the invitee is told live' });
    const mine = await stack.request<{ requests: StageRequest[] }>('GET', `/v1/sessions/${id}/stage/requests`, {
      token: await userToken(inviteeId),
    });
    assert.deepEqual(
      mine.body.requests.map((r) => r.id),
      [invite.body.id],
    );
    const accepted = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/invites/${invite.body.id}/accept`, {
      token: await userToken(inviteeId),
    });
    assert.equal(accepted.body.status, 'accepted');
    const grant = await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, { token: await userToken(inviteeId) });
    assert.equal(grant.body.role, 'guest', 'the next join carries the guest role');

    const askerId = uniqueUser('asker');
    const ask = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(askerId) });
    const cancelled = await stack.request<StageRequest>('DELETE', `/v1/sessions/${id}/stage/requests/mine`, {
      token: await userToken(askerId),
    });
    assert.equal(cancelled.body.status, 'cancelled');
    const late = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/stage/requests/${ask.body.id}/approve`, { token: hostToken });
    assert.equal(late.body.code, 'REQUEST_NOT_PENDING');
    const ask2 = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(askerId) });
    const rejected = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests/${ask2.body.id}/reject`, {
      token: hostToken,
    });
    assert.equal(rejected.body.status, 'rejected');
    const events = await stack.request<{ events: { type: string }[] }>('GET', `/v1/sessions/${id}/events`, { token: hostToken });
    const types = events.body.events.map((e) => e.type);
    for (const type of [
      'live.stage.invited',
      'live.stage.invite.accepted',
      'live.stage.requested',
      'live.stage.request.cancelled',
      'live.stage.request.rejected',
    ]) {
      assert.ok(types.includes(type), `${type} is in the event log`);
    }
  });
});
