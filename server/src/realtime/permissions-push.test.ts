// session.permissions: each subscriber is told what they may do when it changes, from whichever
// instance the change was made on, and only when their own answer changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, Permissions } from '@golive/sdk/protocol';
import { sql } from 'kysely';
import type { GoliveRealtime } from '../../../sdk/src/realtime/realtime-client.ts';
import type { SessionSubscription } from '../../../sdk/src/realtime/session-subscription.ts';
import { eventually, type TestStack, uniqueUser } from '../../test/harness.ts';
import { liveSession } from '../../test/realtime-clients.ts';
import { twoInstances } from '../../test/two-instances.ts';

type Push = { role: string; permissions: Permissions };

describe('session.permissions across two instances', () => {
  const pair = twoInstances();
  const { clients } = pair;

  async function subscriber(stack: TestStack, sessionId: string, userId = uniqueUser('viewer')) {
    const realtime: GoliveRealtime = await clients.connect(stack, userId);
    const sub: SessionSubscription = await realtime.subscribe(sessionId);
    const pushes: Push[] = [];
    sub.on('permissions', (p) => pushes.push(p));
    return { userId, sub, pushes };
  }

  it('a setting changed on A reaches subscribers on B as their new permissions; a change that alters no answer pushes nothing', async () => {
    const { a, b } = pair;
    const { id, hostId, hostToken } = await liveSession(a);
    const viewer = await subscriber(b, id);
    const host = await subscriber(b, id, hostId);
    assert.equal(viewer.sub.permissions?.canChat, true, 'the subscribe answer: chat is on');
    assert.equal(host.sub.permissions?.canChangeSettings, true);

    const changed = await a.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { reactionsEnabled: false } });
    assert.equal(changed.status, 200);
    await eventually(() => viewer.pushes.length === 1, { what: "the viewer's permissions push" });
    assert.equal(viewer.pushes[0]?.role, 'viewer');
    assert.equal(viewer.pushes[0]?.permissions.canReact, false);
    assert.equal(viewer.pushes[0]?.permissions.canChat, true, 'only what the setting governs changed');
    assert.equal(viewer.sub.permissions?.canReact, false, 'the subscription keeps the pushed answer');
    // The host lost reactions too (the setting is for everyone): they hear it as well, once.
    await eventually(() => host.pushes.length === 1, { what: "the host's push" });
    assert.equal(host.pushes[0]?.permissions.canChangeSettings, true);

    // A change that alters nobody's answer (slow mode) pushes nothing.
    await a.request('PATCH', `/v1/sessions/${id}/settings`, { token: hostToken, body: { slowModeSec: 3 } });
    await eventually(() => viewer.sub.settings?.slowModeSec === 3, { what: 'the settings push' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(viewer.pushes.length, 1, 'slow mode changes no permission');
    assert.equal(host.pushes.length, 1);
  });

  it("a promotion on A tells the promoted viewer on B their guest permissions, and other viewers nothing; their chat shows 'guest'", async () => {
    const { a, b } = pair;
    const { id, hostToken } = await liveSession(a);
    const promoted = await subscriber(b, id);
    const bystander = await subscriber(b, id);
    const onA = await subscriber(a, id);
    const res = await a.request('PUT', `/v1/sessions/${id}/participants/${promoted.userId}/role`, {
      token: hostToken,
      body: { role: 'guest' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await eventually(() => promoted.pushes.length === 1, { what: 'the promoted viewer is told' });
    assert.equal(promoted.pushes[0]?.role, 'guest');
    assert.equal(promoted.pushes[0]?.permissions.canPublish, true);
    assert.equal(promoted.pushes[0]?.permissions.canRequestStage, false);
    assert.equal(promoted.sub.role, 'guest');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bystander.pushes, [], "a bystander's answer did not change");
    assert.deepEqual(onA.pushes, []);

    // The role shown with a message is read when it is saved, not when the author subscribed.
    const message: ChatMessage = await promoted.sub.send('now on stage');
    assert.equal(message.user.role, 'guest');
  });

  it('a change whose NOTIFY was missed is pushed once LISTEN is trusted again', async () => {
    const { a, b } = pair;
    const { id } = await liveSession(a);
    const viewer = await subscriber(b, id);
    // Written behind golive's back: no unit of work, so no NOTIFY, as if B's LISTEN had been down.
    await sql`update sessions set settings = settings || '{"chatEnabled": false}'::jsonb where id = ${id}`.execute(a.services.db);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(viewer.pushes, [], 'nothing announced the change');
    b.services.factsCache.distrust();
    b.services.factsCache.trust();
    await eventually(() => viewer.pushes.length === 1, { what: 'the push after LISTEN came back' });
    assert.equal(viewer.sub.permissions?.canChat, false);
  });
});
