// A token minted while the session was live must not bring its room back after the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, uniqueUser, userToken } from './harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant } from './media.ts';
import { liveSession } from './realtime-clients.ts';

type Grant = { token: string; livekitUrl: string };

describe('ended sessions stay ended on LiveKit', () => {
  let stack: TestStack;
  const media: MediaParticipant[] = [];
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    await disposeMediaRuntime(media);
    await stack?.stop();
  });

  it('refuses a still-valid token once the session ended, and no room reappears', async () => {
    const { id, hostToken } = await liveSession(stack);
    const grant = await stack.request<Grant>('POST', `/v1/sessions/${id}/join`, { token: await userToken(uniqueUser('early')) });
    assert.equal(grant.status, 200);
    await stack.request('POST', `/v1/sessions/${id}/end`, { token: hostToken });
    let connected: MediaParticipant | null = null;
    await assert.rejects(async () => {
      connected = await connectParticipant(grant.body.livekitUrl, grant.body.token, { timeoutMs: 5_000 });
    }, 'LiveKit refuses the join: the room is gone and is not re-created');
    if (connected) media.push(connected);
    assert.equal((await stack.services.livekit.listRooms([id])).length, 0, 'no room re-created');
  });
});
