// Sessions survive an SFU restart: kill -9 of livekit-server while a host publishes and a viewer
// watches (rtc-node). The supervisor restarts it with no rooms; golive re-creates the room under the
// same name, the clients' SDKs reconnect by themselves, and nothing is ended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomEvent } from '@livekit/rtc-node';
import { eventually, TestStack, uniqueUser, userToken } from './harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  waitForDecodedFrames,
  waitForFramesAfter,
} from './media.ts';

type Grant = { token: string; livekitUrl: string; identity: string; session: { id: string } };

describe('a LiveKit restart does not end live sessions', () => {
  let stack: TestStack;
  const media: MediaParticipant[] = [];
  let video: SyntheticVideo | undefined;
  before(async () => {
    stack = await TestStack.start();
  });
  after(async () => {
    await video?.stop();
    await disposeMediaRuntime(media);
    await stack?.stop();
  });

  it('kill -9 of livekit-server: the session stays live, the viewer gets frames again without a new join, joins work, counts are exact', async (t) => {
    const hostId = uniqueUser('host');
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(hostId),
      body: { title: 'SFU restart', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(created.status, 201);
    const sessionId = created.body.session.id;
    const host = await connectParticipant(created.body.livekitUrl, created.body.token);
    media.push(host);
    video = await publishSyntheticVideo(host.room, { width: 320, height: 180, fps: 15 });
    const viewerGrant = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, {
      token: await userToken(uniqueUser('viewer')),
    });
    const viewer = await connectParticipant(viewerGrant.body.livekitUrl, viewerGrant.body.token);
    media.push(viewer);
    const before = await waitForDecodedFrames(viewer.room, { fromIdentity: hostId, count: 5 });
    assert.equal(before.frames.length, 5);
    await eventually(async () => (await row(sessionId)).viewer_count === 1, { what: 'the viewer counted' });
    let reconnected = 0;
    viewer.room.on(RoomEvent.Reconnected, () => reconnected++);

    const pid = stack.livekitServer.pid;
    assert.ok(pid, 'livekit-server runs');
    const lastStamp = video.framesSent();
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');

    const again = await waitForFramesAfter(viewer.room, hostId, lastStamp, 15_000);
    const mediaBackMs = Math.round(performance.now() - killedAt);
    t.diagnostic(`frames again ${mediaBackMs} ms after kill -9 (viewer Reconnected events: ${reconnected})`);
    assert.ok(again.frames.length >= 10);
    assert.notEqual(stack.livekitServer.pid, pid, 'the supervisor restarted livekit-server');
    assert.equal((await row(sessionId)).status, 'live', 'the session was never ended');

    // A new join works, and the newcomer watches too.
    const late = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('late')) });
    assert.equal(late.status, 200);
    const latecomer = await connectParticipant(late.body.livekitUrl, late.body.token);
    media.push(latecomer);
    await waitForDecodedFrames(latecomer.room, { fromIdentity: hostId, count: 5 });

    // Counts exact afterwards: the old connections are closed, the new ones counted, and the ledger
    // matches LiveKit's own list.
    await eventually(async () => (await row(sessionId)).viewer_count === 2, { what: 'two viewers counted after the restart' });
    const inLivekit = (await stack.services.livekit.listParticipants(sessionId)).map((p) => p.sid).sort();
    const open = await stack.services.db
      .selectFrom('participant_connections')
      .select('participant_sid')
      .where('session_id', '=', sessionId)
      .where('joined_at', 'is not', null)
      .where('left_at', 'is', null)
      .execute();
    assert.deepEqual(open.map((r) => r.participant_sid).sort(), inLivekit, 'open connection rows are exactly LiveKit’s participants');
    const types = (await stack.services.db.selectFrom('session_events').select('type').where('session_id', '=', sessionId).execute()).map(
      (e) => e.type,
    );
    assert.ok(types.includes('live.session.interrupted') && types.includes('live.session.resumed'), 'the outage is in the audit log');
    assert.ok(!types.includes('live.session.ended'));
  });

  async function row(id: string) {
    return stack.services.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }
});
