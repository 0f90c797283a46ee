// Task sessions (seed 000): the app's backend, with its API key, starts a private session for a
// task between two named users. Real rtc-node clients publish and receive frames; outsiders are
// refused; an admin watches hidden and uncounted. The two tests run concurrently so the one-way
// variant's ~10 s publish refusal overlaps the two-way media work.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LocalVideoTrack, RoomEvent, TrackPublishOptions, TrackSource, VideoSource } from '@livekit/rtc-node';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from './harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  type SyntheticVideo,
  waitForDecodedFrames,
} from './media.ts';
import { type Caller, ContractClient, OpenapiContract } from './openapi-validator.ts';

type Session = {
  id: string;
  status: string;
  mode: string;
  visibility: string;
  externalRef: string | null;
  participants: string[];
  host: { id: string };
  viewerCount: number;
  peakViewers: number;
};
type Grant = { token: string; livekitUrl: string; role: string; identity: string; session: Session };
type ErrorBody = { code: string };

describe('task sessions: a private session for two named users, made by the app’s backend', { concurrency: true }, () => {
  let stack: TestStack;
  let client: ContractClient;
  const media: MediaParticipant[] = [];
  const videos: SyntheticVideo[] = [];

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  after(async () => {
    for (const v of videos) await v.stop();
    await disposeMediaRuntime(media);
    await stack?.stop();
  });

  /** The app's backend acting for one of its users (admins carry the admin role header). */
  const backendAs = (userId: string, role?: 'admin'): Caller => ({
    apiKey: TEST_API_KEY,
    actAs: { userId, name: userId, ...(role ? { role } : {}) },
  });
  const backend: Caller = { apiKey: TEST_API_KEY };

  async function startTask(mode: 'interactive' | 'broadcast') {
    const agentId = uniqueUser('agent');
    const requesterId = uniqueUser('requester');
    const externalRef = `task_${randomUUID().slice(0, 8)}`;
    const created = await client.call<Grant>('POST', '/v1/sessions', {
      ...backendAs(agentId),
      json: { title: `Task ${externalRef}`, mode, visibility: 'private', participants: [requesterId], externalRef },
    });
    assert.equal(created.status, 201, created.text);
    const { session } = created.body;
    assert.deepEqual(
      [created.body.role, session.host.id, session.mode, session.visibility, session.externalRef, session.participants],
      ['host', agentId, mode, 'private', externalRef, [requesterId]],
    );
    const requester = await client.call<Grant>('POST', `/v1/sessions/${session.id}/join`, backendAs(requesterId));
    assert.equal(requester.status, 200, requester.text);
    return { id: session.id, agentId, requesterId, externalRef, agentGrant: created.body, requesterGrant: requester.body };
  }

  const connect = async (grant: Grant) => {
    const participant = await connectParticipant(grant.livekitUrl, grant.token);
    media.push(participant);
    return participant;
  };
  const publish = async (participant: MediaParticipant, name: string) => {
    const video = await publishSyntheticVideo(participant.room, { width: 320, height: 180, fps: 15, name });
    videos.push(video);
    return video;
  };
  const byExternalRef = async (externalRef: string) => {
    const res = await client.call<Session>('GET', `/v1/sessions/by-external-ref/${externalRef}`, backend);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  async function assertOutsidersRefused(id: string) {
    const outsider = uniqueUser('outsider');
    for (const caller of [backendAs(outsider), { token: await userToken(outsider) }]) {
      const res = await client.call<ErrorBody>('POST', `/v1/sessions/${id}/join`, caller);
      assert.deepEqual([res.status, res.body.code], [403, 'SESSION_FORBIDDEN']);
    }
  }

  it('two-way: both publish from the start and see each other; outsiders are refused; a hidden admin is unseen and uncounted', async (t) => {
    const task = await startTask('interactive');
    assert.equal(task.requesterGrant.role, 'guest', 'the requester publishes from the start');
    await assertOutsidersRefused(task.id);

    // The admin comes in between the two, so that each has a chance to see it: the agent from an
    // announcement (it is told of the requester, who joins later), the requester from the list of
    // participants LiveKit gives it at join.
    const agent = await connect(task.agentGrant);
    const seenByTheTwo: string[] = [];
    agent.room.on(RoomEvent.ParticipantConnected, (remote) => seenByTheTwo.push(remote.identity));
    await publish(agent, 'agent-camera');

    const adminId = uniqueUser('admin');
    const adminJoin = await client.call<Grant>('POST', `/v1/sessions/${task.id}/join`, backendAs(adminId, 'admin'));
    assert.equal(adminJoin.status, 200, adminJoin.text);
    assert.equal(adminJoin.body.role, 'observer');
    const admin = await connect(adminJoin.body);
    const adminSees = await waitForDecodedFrames(admin.room, { fromIdentity: task.agentId, count: 3 });
    assert.equal(adminSees.frames.length, 3, 'the admin watches for audit');

    const requester = await connect(task.requesterGrant);
    assert.deepEqual([...requester.room.remoteParticipants.keys()], [task.agentId], 'the requester is not told of the admin at join');
    requester.room.on(RoomEvent.ParticipantConnected, (remote) => seenByTheTwo.push(remote.identity));
    await publish(requester, 'requester-camera');
    const [agentSees, requesterSees] = await Promise.all([
      waitForDecodedFrames(agent.room, { fromIdentity: task.requesterId, count: 5 }),
      waitForDecodedFrames(requester.room, { fromIdentity: task.agentId, count: 5 }),
    ]);
    assert.equal(agentSees.frames.length, 5);
    assert.equal(requesterSees.frames.length, 5);
    assert.ok(seenByTheTwo.includes(task.requesterId), 'the agent was told of the requester, who joined after the admin');
    await eventually(() => admin.room.remoteParticipants.has(task.requesterId), { what: 'the admin sees the requester' });

    // Hidden in LiveKit, and the admin's participant_joined webhook recorded it as an uncounted observer.
    const connection = await eventually(
      () =>
        stack.services.db
          .selectFrom('participant_connections')
          .select(['role', 'counted'])
          .where('session_id', '=', task.id)
          .where('identity', '=', adminId)
          .where('joined_at', 'is not', null)
          .executeTakeFirst(),
      { what: 'the admin’s join webhook' },
    );
    assert.deepEqual(connection, { role: 'observer', counted: false });
    const inRoom = await stack.services.livekit.getParticipant(task.id, adminId);
    assert.equal(inRoom?.permission?.hidden, true, 'LiveKit holds the admin hidden');

    const session = await client.call<Session>('GET', `/v1/sessions/${task.id}`, backend);
    assert.deepEqual([session.body.viewerCount, session.body.peakViewers], [0, 0], 'nobody is counted as a viewer');
    const listedToAgent = await client.call<{ participants: Array<{ userId: string; role: string; connected: boolean }> }>(
      'GET',
      `/v1/sessions/${task.id}/participants`,
      backendAs(task.agentId),
    );
    assert.ok(!listedToAgent.body.participants.some((p) => p.userId === adminId), 'the agent’s participant list hides the admin');
    const listedToAdmin = await client.call<{ participants: Array<{ userId: string; role: string }> }>(
      'GET',
      `/v1/sessions/${task.id}/participants`,
      backendAs(uniqueUser('auditor'), 'admin'),
    );
    assert.equal(listedToAdmin.body.participants.find((p) => p.userId === adminId)?.role, 'observer', 'admins see the observer');

    const live = await byExternalRef(task.externalRef);
    assert.deepEqual([live.id, live.status], [task.id, 'live']);

    // Checked again last, after everything above gave LiveKit more time to announce it.
    assert.deepEqual([...agent.room.remoteParticipants.keys()], [task.requesterId], 'the agent does not see the admin');
    assert.deepEqual([...requester.room.remoteParticipants.keys()], [task.agentId], 'the requester does not see the admin');
    assert.ok(!seenByTheTwo.includes(adminId), 'no ParticipantConnected for the admin');

    const ended = await client.call<Session>('POST', `/v1/sessions/${task.id}/end`, backendAs(task.agentId));
    assert.equal(ended.status, 200, ended.text);
    await Promise.all([agent.disconnected, requester.disconnected, admin.disconnected]);
    const after = await byExternalRef(task.externalRef);
    assert.deepEqual([after.id, after.status], [task.id, 'ended']);
    t.diagnostic(`join-to-connect: agent ${agent.connectMs.toFixed(0)} ms, requester ${requester.connectMs.toFixed(0)} ms`);
  });

  it('one-way: only the agent publishes; the requester joins as a viewer and its publish is refused', async (t) => {
    const task = await startTask('broadcast');
    assert.equal(task.requesterGrant.role, 'viewer');
    const agent = await connect(task.agentGrant);
    const requester = await connect(task.requesterGrant);

    // rtc-node reports LiveKit's refusal as a publish timeout (~10 s): start it now, check it last.
    const source = new VideoSource(320, 180);
    const started = performance.now();
    const refused = (async () => {
      const local = requester.room.localParticipant;
      if (!local) throw new Error('the requester has no local participant');
      const track = LocalVideoTrack.createVideoTrack('requester-camera', source);
      await local.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }));
    })();
    refused.catch(() => {}); // awaited below; avoids an unhandled rejection meanwhile

    // Meanwhile, everything that does not need the requester's connection (rtc-node holds that
    // connection's media until its pending publish settles).
    await publish(agent, 'agent-camera');
    await assertOutsidersRefused(task.id);
    const live = await byExternalRef(task.externalRef);
    assert.deepEqual([live.id, live.status], [task.id, 'live']);
    const inRoom = await stack.services.livekit.getParticipant(task.id, task.requesterId);
    assert.equal(inRoom?.permission?.canPublish, false, 'LiveKit holds the requester to subscribe-only');

    await assert.rejects(refused, 'the requester’s publish is refused');
    await source.close();
    t.diagnostic(`requester's publish refused after ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(
      agent.room.remoteParticipants.get(task.requesterId)?.trackPublications.size ?? 0,
      0,
      'the agent got no track from the requester',
    );
    const frames = await waitForDecodedFrames(requester.room, { fromIdentity: task.agentId, count: 5 });
    assert.equal(frames.frames.length, 5, 'the requester watches the agent, still on the same connection');

    const ended = await client.call<Session>('POST', `/v1/sessions/${task.id}/end`, backendAs(task.agentId));
    assert.equal(ended.status, 200, ended.text);
    const after = await byExternalRef(task.externalRef);
    assert.deepEqual([after.id, after.status], [task.id, 'ended']);
  });
});
