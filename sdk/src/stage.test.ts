import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, uniqueUser, userToken } from '../../server/test/harness.ts';
import { createGoliveClient, type GoliveClient, GoliveError, type GoliveErrorCode } from './index.ts';

async function rejectsWithCode(call: () => Promise<unknown>, code: GoliveErrorCode): Promise<void> {
  const error = await call().then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GoliveError, `expected a GoliveError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
}

describe('@golive/sdk stage, moderation and report methods against a real golive', () => {
  let stack: TestStack;
  const asUser = async (userId: string, options: { admin?: boolean } = {}): Promise<GoliveClient> =>
    createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(userId, options) });

  before(async () => {
    stack = await TestStack.start();
  });
  after(async () => stack?.stop());

  it('requests the stage, lists and approves the request, then demotes the guest', async () => {
    const host = await asUser(uniqueUser('host'));
    const viewerId = uniqueUser('viewer');
    const viewer = await asUser(viewerId);
    const { session } = await host.createSession({ title: 'Stage via SDK', mode: 'broadcast', visibility: 'public' });

    const request = await viewer.requestStage(session.id);
    assert.equal(request.status, 'pending');
    assert.equal(request.userId, viewerId);
    assert.deepEqual(
      (await host.listStageRequests(session.id)).map((r) => r.id),
      [request.id],
    );
    await rejectsWithCode(() => viewer.approveStageRequest(session.id, request.id), 'NOT_MODERATOR');

    const approved = await host.approveStageRequest(session.id, request.id);
    assert.equal(approved.status, 'approved');
    assert.equal(approved.decidedBy !== null, true);
    assert.deepEqual(await host.listStageRequests(session.id), [], 'nothing is pending any more');

    const demoted = await host.setParticipantRole(session.id, viewerId, 'viewer');
    assert.deepEqual(demoted, { userId: viewerId, role: 'viewer' });
  });

  it('bans and unbans: a banned user cannot join, and listBans shows the ban until it is lifted', async () => {
    const host = await asUser(uniqueUser('host'));
    const trollId = uniqueUser('troll');
    const troll = await asUser(trollId);
    const { session } = await host.createSession({ title: 'Bans via SDK', mode: 'broadcast', visibility: 'public' });

    const ban = await host.banParticipant(session.id, { userId: trollId, reason: 'spam' });
    assert.equal(ban.userId, trollId);
    assert.equal(ban.reason, 'spam');
    assert.deepEqual(
      (await host.listBans(session.id)).map((b) => b.userId),
      [trollId],
    );
    await rejectsWithCode(() => troll.joinSession(session.id), 'BANNED');

    await host.unbanParticipant(session.id, trollId);
    assert.deepEqual(await host.listBans(session.id), []);
    assert.equal((await troll.joinSession(session.id)).role, 'viewer');
  });

  it('reports a session; only admins list and resolve reports', async () => {
    const host = await asUser(uniqueUser('host'));
    const viewer = await asUser(uniqueUser('viewer'));
    const admin = await asUser(uniqueUser('admin'), { admin: true });
    const { session } = await host.createSession({ title: 'Reports via SDK', mode: 'broadcast', visibility: 'public' });

    const report = await viewer.reportSession(session.id, { reason: 'offensive title' });
    assert.equal(report.status, 'open');
    await rejectsWithCode(() => viewer.listReports(), 'NOT_ADMIN');
    assert.ok((await admin.listReports()).some((r) => r.id === report.id));

    const resolved = await admin.resolveReport(report.id);
    assert.equal(resolved.status, 'resolved');
    assert.ok(!(await admin.listReports({ status: 'open' })).some((r) => r.id === report.id));
  });
});
