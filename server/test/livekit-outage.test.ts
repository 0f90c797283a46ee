// LiveKit unreachable (livekit-server stopped with SIGSTOP, then SIGCONT): golive's answers do not
// wait for it, its commands are carried out once it is back, nothing is lost and nothing is done
// twice; and a session whose room cannot be confirmed past the grace period ends as room_missing.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { aUser, factories } from './factories.ts';
import { eventually, TestStack, uniqueUser, userToken, within } from './harness.ts';
import { disposeMediaRuntime, type MediaParticipant } from './media.ts';
import { RealtimeClients } from './realtime-clients.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };

describe('LiveKit stopped and resumed', () => {
  const stacks: TestStack[] = [];
  const media: MediaParticipant[] = [];
  const realtime = new RealtimeClients();
  after(async () => {
    realtime.closeAll();
    for (const s of stacks) if (s.livekitServer.pid) process.kill(s.livekitServer.pid, 'SIGCONT');
    await disposeMediaRuntime(media);
    for (const s of stacks) await s.stop();
  });

  const start = async (env: Record<string, string> = {}) => {
    const stack = await TestStack.start({ env });
    stacks.push(stack);
    return stack;
  };

  const live = async (stack: TestStack, hostId: string): Promise<Grant> => {
    const created = await factories(stack).goLive({ host: await aUser('host', { id: hostId }), title: 'Outage' });
    return { ...created.grant, session: created.session } as unknown as Grant;
  };

  it('a ban and an end answer at once; the removal and the room deletion happen once LiveKit is back, once each', async (t) => {
    const stack = await start();
    const hostId = uniqueUser('host');
    const a = await live(stack, hostId);
    const otherHostId = uniqueUser('host');
    const b = await live(stack, otherHostId);
    const thirdHostId = uniqueUser('host');
    const c = await live(stack, thirdHostId);
    const viewerId = uniqueUser('viewer');
    const { participant: viewer } = await factories(stack).connection(a.session.id, await aUser('viewer', { id: viewerId }));
    media.push(viewer);
    const viewerSocket = await realtime.connect(stack, viewerId);
    const subscription = await viewerSocket.subscribe(a.session.id);
    let removedPushes = 0;
    subscription.on('removed', () => removedPushes++);
    await eventually(async () => (await row(stack, a.session.id)).viewer_count === 1, { what: 'the viewer counted' });

    const pid = stack.livekitServer.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    try {
      const timeoutMs = stack.config.effects.livekitRequestTimeoutSec * 1000;
      const banStarted = performance.now();
      const ban = await stack.request('POST', `/v1/sessions/${a.session.id}/bans`, {
        token: await userToken(hostId),
        body: { userId: viewerId },
      });
      const banMs = performance.now() - banStarted;
      const end = await stack.request('POST', `/v1/sessions/${b.session.id}/end`, { token: await userToken(otherHostId) });
      const endMs = performance.now() - banStarted - banMs;
      t.diagnostic(`with LiveKit stopped: ban answered in ${Math.round(banMs)} ms, end in ${Math.round(endMs)} ms`);
      assert.equal(ban.status, 201);
      assert.equal(end.status, 200);
      // "At once": neither waited for a LiveKit call to time out.
      assert.ok(banMs < timeoutMs / 2 && endMs < timeoutMs / 2, `answers took ${banMs} and ${endMs} ms`);
      assert.equal((await row(stack, b.session.id)).status, 'ended');
      const pending = await stack.services.db
        .selectFrom('outbox')
        .select('kind')
        .where('session_id', 'in', [a.session.id, b.session.id])
        .where('kind', 'in', ['livekit.participant.remove', 'livekit.room.delete'])
        .where('status', '=', 'pending')
        .execute();
      assert.deepEqual(pending.map((p) => p.kind).sort(), ['livekit.participant.remove', 'livekit.room.delete'], 'both wait for LiveKit');
      assert.ok(viewer.room.isConnected, 'the viewer is still in the room while LiveKit is stopped');
      // Muting needs LiveKit's answer (which tracks there are): it says LiveKit did not answer.
      const mute = await stack.request<{ code: string }>('POST', `/v1/sessions/${c.session.id}/participants/${viewerId}/mute`, {
        token: await userToken(thirdHostId),
        body: { kind: 'audio' },
      });
      assert.equal(mute.status, 503, JSON.stringify(mute.body));
      assert.equal(mute.body.code, 'LIVEKIT_UNAVAILABLE');
    } finally {
      process.kill(pid, 'SIGCONT');
      resumed = true;
    }
    assert.ok(resumed);
    await within(viewer.disconnected, 60_000, 'the banned viewer removed after SIGCONT');
    await eventually(async () => (await stack.services.livekit.listRooms([b.session.id])).length === 0, {
      timeoutMs: 60_000,
      what: 'the ended session’s room deleted after SIGCONT',
    });
    await eventually(
      async () => {
        // Session a's max-duration job is still scheduled, two hours out; every other effect is due.
        const open = await stack.services.db
          .selectFrom('outbox')
          .select(['kind', 'status'])
          .where('session_id', 'in', [a.session.id, b.session.id])
          .where('status', '!=', 'done')
          .where('kind', '!=', 'session.expire')
          .execute();
        if (open.length > 0) throw new Error(`not done: ${JSON.stringify(open)}`);
        return true;
      },
      { timeoutMs: 60_000, what: 'every due effect of both sessions done' },
    );
    // Nothing done twice: one ban, one end, one removal push, one leave of the viewer's connection.
    const events = async (sessionId: string, type: string) =>
      (
        await stack.services.db
          .selectFrom('session_events')
          .select('id')
          .where('session_id', '=', sessionId)
          .where('type', '=', type)
          .execute()
      ).length;
    await eventually(async () => (await events(a.session.id, 'live.participant.left')) >= 1, { what: 'the viewer’s leave webhook' });
    assert.equal(await events(a.session.id, 'live.participant.banned'), 1);
    assert.equal(await events(b.session.id, 'live.session.ended'), 1);
    assert.equal(await events(a.session.id, 'live.participant.left'), 1, 'the viewer left once');
    assert.equal(removedPushes, 1, 'the banned viewer was told once');
    assert.equal((await row(stack, a.session.id)).status, 'live', 'a short outage ends nothing');
    assert.equal((await row(stack, a.session.id)).viewer_count, 0);
  });

  it('past the grace period without a confirmed room, the session ends as room_missing, and its room goes when LiveKit is back', async (t) => {
    const stack = await start({ ROOM_RECOVERY_GRACE_SEC: '2', ROOM_CHECK_INTERVAL_MS: '500', LIVEKIT_REQUEST_TIMEOUT_SEC: '1' });
    const session = await live(stack, uniqueUser('host'));
    const pid = stack.livekitServer.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    const stoppedAt = performance.now();
    try {
      await eventually(async () => (await row(stack, session.session.id)).status === 'ended', {
        timeoutMs: 30_000,
        what: 'the session to end after the grace period',
      });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    t.diagnostic(`ended ${Math.round(performance.now() - stoppedAt)} ms after LiveKit stopped (grace 2 s)`);
    const ended = await row(stack, session.session.id);
    assert.equal(ended.end_reason, 'room_missing');
    assert.equal(ended.ended_by, 'system');
    await eventually(async () => (await stack.services.livekit.listRooms([session.session.id])).length === 0, {
      timeoutMs: 30_000,
      what: 'the room of the ended session deleted once LiveKit answers',
    });
  });
});

async function row(stack: TestStack, id: string) {
  return stack.services.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
