// Mute, kick and a ban that holds at the SFU, with real rtc-node participants.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DisconnectReason, RoomEvent } from '@livekit/rtc-node';
import { sql } from 'kysely';
import { AccessToken } from 'livekit-server-sdk';
import { eventually, TestStack, uniqueUser, userToken, within } from '../../test/harness.ts';
import {
  connectParticipant,
  DisconnectedWhileConnecting,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  TimeoutError,
} from '../../test/media.ts';
import { errorCode, liveSession, RealtimeClients } from '../../test/realtime-clients.ts';
import { participantState } from '../sessions/grants.ts';
import { DEFAULT_SETTINGS } from '../sessions/settings.ts';

type Grant = { token: string; livekitUrl: string; role: string };
type ErrorBody = { code: string };

describe('moderation on a real livekit-server', () => {
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

  const join = async (sessionId: string, userId: string) =>
    stack.request<Grant & ErrorBody>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(userId) });
  const connect = async (grant: Grant) => {
    const p = await connectParticipant(grant.livekitUrl, grant.token);
    media.push(p);
    return p;
  };

  it('mutes a guest’s video for every subscriber', async () => {
    const { id, hostToken } = await liveSession(stack, { settings: { requireApproval: false } });
    const guestId = uniqueUser('guest');
    await stack.request('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(guestId) });
    const guest = await connect((await join(id, guestId)).body);
    const watcher = await connect((await join(id, uniqueUser('watcher'))).body);
    const video = await publishSyntheticVideo(guest.room, { width: 320, height: 180, fps: 15 });
    videos.push(video);
    const muted = new Promise<void>((resolve) =>
      watcher.room.on(RoomEvent.TrackMuted, (_pub, participant) => {
        if (participant.identity === guestId) resolve();
      }),
    );
    await eventually(async () => ((await stack.services.livekit.getParticipant(id, guestId))?.tracks.length ?? 0) > 0, {
      what: 'track published',
    });
    const res = await stack.request<{ mutedTracks: number }>('POST', `/v1/sessions/${id}/participants/${guestId}/mute`, {
      token: hostToken,
      body: { kind: 'video' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.mutedTracks, 1);
    await muted;
    const info = await stack.services.livekit.getParticipant(id, guestId);
    assert.equal(info?.tracks[0]?.muted, true);
    const noAudio = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/participants/${guestId}/mute`, {
      token: hostToken,
      body: { kind: 'audio' },
    });
    assert.equal(noAudio.body.code, 'TRACK_NOT_FOUND');
    const byViewer = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/participants/${guestId}/mute`, {
      token: await userToken(uniqueUser()),
      body: { kind: 'video' },
    });
    assert.equal(byViewer.body.code, 'NOT_MODERATOR');
  });

  it('kicks: the participant is disconnected and may join again, off the stage', async () => {
    const { id, hostToken } = await liveSession(stack, { settings: { requireApproval: false } });
    const kickedId = uniqueUser('kicked');
    await stack.request('POST', `/v1/sessions/${id}/stage/requests`, { token: await userToken(kickedId) });
    const onStage = await join(id, kickedId);
    assert.equal(onStage.body.role, 'guest');
    const kicked = await connect(onStage.body);
    const rt = await (await realtime.connect(stack, kickedId)).subscribe(id);
    const res = await stack.request('POST', `/v1/sessions/${id}/participants/${kickedId}/kick`, {
      token: hostToken,
      body: { reason: 'calm down' },
    });
    assert.equal(res.status, 204);
    assert.equal(await kicked.disconnected, DisconnectReason.PARTICIPANT_REMOVED);
    await eventually(() => rt.removed?.reason === 'kicked', { what: 'session.removed pushed' });
    const again = await join(id, kickedId);
    assert.equal(again.status, 200, 'a kicked user may come back');
    assert.equal(again.body.role, 'viewer', 'but as a viewer, off the stage');
    const back = await connect(again.body);
    assert.equal(back.identity, kickedId);
    const gone = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/participants/${uniqueUser('nobody')}/kick`, {
      token: hostToken,
    });
    assert.equal(gone.body.code, 'PARTICIPANT_NOT_CONNECTED');
  });

  it('bans: removed at once, refused by join and subscribe, and a reconnect with the old token does not stay', async (t) => {
    const { id, hostId, hostToken } = await liveSession(stack);
    const bannedId = uniqueUser('banned');
    const oldGrant = (await join(id, bannedId)).body;
    const banned = await connect(oldGrant);
    const rt = await realtime.connect(stack, bannedId);
    const sub = await rt.subscribe(id);
    const res = await stack.request<{ userId: string; reason: string }>('POST', `/v1/sessions/${id}/bans`, {
      token: hostToken,
      body: { userId: bannedId, reason: 'spam' },
    });
    assert.equal(res.status, 201);
    assert.equal(await banned.disconnected, DisconnectReason.PARTICIPANT_REMOVED);
    await eventually(() => sub.removed?.reason === 'banned', { what: 'session.removed pushed' });
    assert.equal(await errorCode(sub.send('let me back in')), 'NOT_SUBSCRIBED');

    const refusedJoin = await join(id, bannedId);
    assert.equal(refusedJoin.status, 403);
    assert.equal(refusedJoin.body.code, 'BANNED');
    const rt2 = await realtime.connect(stack, bannedId);
    assert.equal(await errorCode(rt2.subscribe(id)), 'BANNED');
    const hostCannot = await stack.request<ErrorBody>('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId: hostId } });
    assert.equal(hostCannot.body.code, 'CANNOT_TARGET_HOST');

    // The old token, still unexpired: LiveKit lets it in (it keeps no ban), and golive removes it
    // when its join webhook arrives, maybe before the connect has even finished. How fast is the
    // effects benchmark's question (banned reconnect removal); here, that it holds.
    const started = performance.now();
    let reason: DisconnectReason;
    try {
      const back = await connectParticipant(oldGrant.livekitUrl, oldGrant.token);
      media.push(back);
      reason = await within(back.disconnected, 10_000, 'the reconnect with the old token to be removed');
      t.diagnostic(`reconnect with the pre-ban token: connected, removed after ${(performance.now() - started).toFixed(0)} ms`);
    } catch (error) {
      if (!(error instanceof DisconnectedWhileConnecting)) throw error;
      reason = error.reason;
      t.diagnostic(`reconnect with the pre-ban token: removed while connecting, after ${(performance.now() - started).toFixed(0)} ms`);
    }
    assert.equal(reason, DisconnectReason.PARTICIPANT_REMOVED, 'a reconnect with the old token is removed');
  });

  it('removes a banned user who connects with a token golive never issued (webhook layer)', async (t) => {
    const { id, hostToken } = await liveSession(stack);
    const bannedId = uniqueUser('sneaky');
    await stack.request('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId: bannedId, reason: 'ban evasion' } });
    // A token minted after the ban with the LiveKit secret, as a leaked key or another service could.
    const { apiKey, apiSecret, clientUrl } = stack.livekitServer.endpoint;
    const state = participantState('viewer', id, DEFAULT_SETTINGS.guestCanPublish);
    const at = new AccessToken(apiKey, apiSecret, { identity: bannedId, ttl: 600, metadata: state.metadata, attributes: state.attributes });
    at.addGrant({ ...state.grant, room: id, roomJoin: true });
    const jwt = await at.toJwt();
    // The ban itself removed the identity once already; the webhook layer's removal comes after this.
    const connectAt = new Date();
    const started = performance.now();
    try {
      const sneaky = await connectParticipant(clientUrl, jwt);
      media.push(sneaky);
      const reason = await within(sneaky.disconnected, 10_000, 'the banned participant to be removed');
      assert.equal(reason, DisconnectReason.PARTICIPANT_REMOVED);
      t.diagnostic(`connected, removed by the webhook layer after ${(performance.now() - started).toFixed(0)} ms`);
    } catch (error) {
      if (error instanceof DisconnectedWhileConnecting) {
        // Removed before its connect even finished: the ban held just as well.
        assert.equal(error.reason, DisconnectReason.PARTICIPANT_REMOVED);
        t.diagnostic(`removed by the webhook layer while still connecting, after ${(performance.now() - started).toFixed(0)} ms`);
      } else if (error instanceof TimeoutError) {
        // Removed mid-handshake, rtc-node's connect can neither finish nor report the removal.
        t.diagnostic('the connect did not finish; the server side below says whether the ban held');
      } else {
        throw error;
      }
    }
    // The server's side: golive removed the identity on its join, and LiveKit does not have it in the room.
    await eventually(
      async () =>
        (
          await stack.services.db
            .selectFrom('outbox')
            .select('id')
            .where('session_id', '=', id)
            .where('kind', '=', 'livekit.participant.remove')
            .where('status', '=', 'done')
            .where(sql<boolean>`payload->>'identity' = ${bannedId}`)
            .where('created_at', '>', connectAt)
            .execute()
        ).length > 0,
      { what: 'golive to remove the banned identity' },
    );
    await eventually(async () => (await stack.services.livekit.getParticipant(id, bannedId)) === null, {
      what: 'the banned identity to be out of the room',
    });
  });

  it('unbans: join and subscribe work again, and the ban list reflects it', async () => {
    const { id, hostToken } = await liveSession(stack);
    const userId = uniqueUser('forgiven');
    await stack.request('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId, durationSec: 3600 } });
    const list = await stack.request<{ bans: { userId: string; expiresAt: string | null }[] }>('GET', `/v1/sessions/${id}/bans`, {
      token: hostToken,
    });
    assert.deepEqual(
      list.body.bans.map((b) => b.userId),
      [userId],
    );
    assert.ok(list.body.bans[0]?.expiresAt, 'a timed ban has an expiry');
    assert.equal((await stack.request('DELETE', `/v1/sessions/${id}/bans/${userId}`, { token: hostToken })).status, 204);
    const again = await join(id, userId);
    assert.equal(again.status, 200);
    const stays = await connect(again.body);
    const reason = await Promise.race([stays.disconnected, new Promise((r) => setTimeout(() => r('still connected'), 1_500))]);
    assert.equal(reason, 'still connected');
    assert.ok(await (await realtime.connect(stack, userId)).subscribe(id));
    const missing = await stack.request<ErrorBody>('DELETE', `/v1/sessions/${id}/bans/${userId}`, { token: hostToken });
    assert.equal(missing.body.code, 'BAN_NOT_FOUND');
  });
});
