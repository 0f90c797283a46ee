// Authorization under the lock: a co-host demoted at the moment it approves a stage request
// either fails, or its approval is applied before the demotion, never after it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { liveSession } from '../../test/realtime-clients.ts';

type StageRequest = { id: string };

describe('stage decisions are authorized under the session lock', () => {
  let stack: TestStack;
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    await stack?.stop();
  });

  it('a concurrent demotion never lands before an approval the demoted co-host made', async (t) => {
    const outcomes = { approvedFirst: 0, refused: 0 };
    for (let round = 0; round < 20; round++) {
      const { id, hostToken } = await liveSession(stack);
      const cohostId = uniqueUser('cohost');
      const cohostToken = await userToken(cohostId);
      const viewerToken = await userToken(uniqueUser('viewer'));
      const promoted = await stack.request('PUT', `/v1/sessions/${id}/participants/${cohostId}/role`, {
        token: hostToken,
        body: { role: 'cohost' },
      });
      assert.equal(promoted.status, 200);
      const asked = await stack.request<StageRequest>('POST', `/v1/sessions/${id}/stage/requests`, { token: viewerToken });
      assert.equal(asked.status, 201);

      const [approve, demote] = await Promise.all([
        stack.request<{ code?: string }>('POST', `/v1/sessions/${id}/stage/requests/${asked.body.id}/approve`, { token: cohostToken }),
        stack.request('PUT', `/v1/sessions/${id}/participants/${cohostId}/role`, { token: hostToken, body: { role: 'viewer' } }),
      ]);
      assert.equal(demote.status, 200);
      const log = await stack.services.db
        .selectFrom('session_events')
        .select(['id', 'type', 'actor_id', 'data'])
        .where('session_id', '=', id)
        .orderBy('id')
        .execute();
      const demotion = log.find((e) => e.type === 'live.participant.role.changed' && (e.data as { role?: string }).role === 'viewer');
      const approval = log.find((e) => e.type === 'live.stage.request.approved');
      assert.ok(demotion);
      if (approve.status === 200) {
        assert.ok(approval, 'an answered approval is in the log');
        assert.equal(approval.actor_id, cohostId);
        assert.ok(BigInt(approval.id) < BigInt(demotion.id), `round ${round}: the approval was applied after the demotion`);
        outcomes.approvedFirst++;
      } else {
        assert.equal(approve.status, 403);
        assert.equal(approve.body.code, 'NOT_MODERATOR', 'refused because the caller is no longer a co-host');
        assert.equal(approval, undefined, 'a refused approval left nothing behind');
        outcomes.refused++;
      }
    }
    t.diagnostic(`20 rounds: approval applied first ${outcomes.approvedFirst}, refused after the demotion ${outcomes.refused}`);
  });
});
