// Abuse reports: a participant flags a session or one of its chat messages, the event log records
// it, and only admins read and resolve reports. Every response is checked against /openapi.json.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { aUser, factories } from '../../test/factories.ts';
import { TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { type Caller, ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';

type Report = {
  id: string;
  sessionId: string;
  reporterId: string;
  messageId: string | null;
  reason: string;
  status: 'open' | 'resolved';
  resolvedAt: string | null;
  resolvedBy: string | null;
};
type SessionEvent = { type: string; actorId: string | null; targetId: string | null; reason: string | null; data: Record<string, unknown> };
type ErrorBody = { code: string };

describe('reports: participants flag, the event log records, admins resolve', () => {
  let stack: TestStack;
  let client: ContractClient;
  const realtime = new RealtimeClients();
  const as = async (userId: string, options: { admin?: boolean } = {}): Promise<Caller> => ({ token: await userToken(userId, options) });

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  after(async () => {
    realtime.closeAll();
    await stack?.stop();
  });

  /** A private two-way session with two named participants: one reports, the other writes in chat. */
  async function privateSession() {
    const hostId = uniqueUser('host');
    const reporterId = uniqueUser('reporter');
    const authorId = uniqueUser('author');
    const created = await factories(client).privateSession([reporterId, authorId], {
      host: await aUser('host', { id: hostId }),
      title: 'Task call',
    });
    return { id: created.id, hostId, reporterId, authorId };
  }

  const report = (sessionId: string, caller: Caller, json: Record<string, unknown>) =>
    client.call<Report & ErrorBody>('POST', `/v1/sessions/${sessionId}/reports`, { ...caller, json });
  const listReports = async (caller: Caller, status: 'open' | 'resolved') =>
    client.call<{ reports: Report[] } & ErrorBody>('GET', `/v1/admin/reports?status=${status}&limit=200`, caller);

  it('flags a session and a chat message, logs live.session.abuse.flagged, and lets an admin resolve one', async () => {
    const { id, hostId, reporterId, authorId } = await privateSession();
    const author = await (await realtime.connect(stack, authorId)).subscribe(id);
    const message = await author.send('buy followers at example.test');
    const reporter = await as(reporterId);

    const onSession = await report(id, reporter, { reason: '  inappropriate stream  ' });
    assert.equal(onSession.status, 201, onSession.text);
    assert.deepEqual(
      [onSession.body.sessionId, onSession.body.reporterId, onSession.body.messageId, onSession.body.reason, onSession.body.status],
      [id, reporterId, null, 'inappropriate stream', 'open'],
    );
    const onMessage = await report(id, reporter, { reason: 'spam', messageId: message.id });
    assert.equal(onMessage.status, 201, onMessage.text);
    assert.equal(onMessage.body.messageId, message.id);

    // The event log names who reported whom, and why: the host for the session, the author for a message.
    const events = await client.call<{ events: SessionEvent[] }>('GET', `/v1/sessions/${id}/events`, await as(hostId));
    const flagged = events.body.events.filter((e) => e.type === 'live.session.abuse.flagged');
    assert.deepEqual(
      flagged.map((e) => ({
        actor: e.actorId,
        target: e.targetId,
        reason: e.reason,
        reportId: e.data.reportId,
        messageId: e.data.messageId,
      })),
      [
        { actor: reporterId, target: hostId, reason: 'inappropriate stream', reportId: onSession.body.id, messageId: null },
        { actor: reporterId, target: authorId, reason: 'spam', reportId: onMessage.body.id, messageId: message.id },
      ],
    );

    const adminId = uniqueUser('admin');
    const admin = await as(adminId, { admin: true });
    const open = await listReports(admin, 'open');
    assert.equal(open.status, 200);
    assert.deepEqual(
      open.body.reports.filter((r) => r.sessionId === id).map((r) => r.id),
      [onMessage.body.id, onSession.body.id],
      'both open, newest first',
    );

    const resolved = await client.call<Report>('POST', `/v1/admin/reports/${onMessage.body.id}/resolve`, admin);
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.body.status, 'resolved');
    assert.equal(resolved.body.resolvedBy, adminId);
    assert.ok(resolved.body.resolvedAt);
    const resolvedList = await listReports(admin, 'resolved');
    assert.deepEqual(
      resolvedList.body.reports.filter((r) => r.sessionId === id).map((r) => r.id),
      [onMessage.body.id],
    );
    const stillOpen = await listReports(admin, 'open');
    assert.deepEqual(
      stillOpen.body.reports.filter((r) => r.sessionId === id).map((r) => r.id),
      [onSession.body.id],
    );

    // Resolving again keeps the first resolution: who handled it is audit, not last-writer-wins.
    const again = await client.call<Report>(
      'POST',
      `/v1/admin/reports/${onMessage.body.id}/resolve`,
      await as(uniqueUser('admin2'), { admin: true }),
    );
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.body.resolvedBy, again.body.resolvedAt], [adminId, resolved.body.resolvedAt]);
  });

  it('refuses non-admins the report list and resolution with 403 NOT_ADMIN, whoever they are in the session', async () => {
    const { id, hostId, reporterId } = await privateSession();
    const filed = await report(id, await as(reporterId), { reason: 'rude' });
    assert.equal(filed.status, 201);
    for (const userId of [hostId, reporterId, uniqueUser('someone')]) {
      const caller = await as(userId);
      const list = await listReports(caller, 'open');
      assert.deepEqual([list.status, list.body.code], [403, 'NOT_ADMIN'], `${userId} lists`);
      const resolve = await client.call<ErrorBody>('POST', `/v1/admin/reports/${filed.body.id}/resolve`, caller);
      assert.deepEqual([resolve.status, resolve.body.code], [403, 'NOT_ADMIN'], `${userId} resolves`);
    }
    const admin = await as(uniqueUser('admin'), { admin: true });
    const open = await listReports(admin, 'open');
    assert.ok(
      open.body.reports.some((r) => r.id === filed.body.id),
      'the refused resolutions left it open',
    );
    const missing = await client.call<ErrorBody>('POST', `/v1/admin/reports/${randomUUID()}/resolve`, admin);
    assert.deepEqual([missing.status, missing.body.code], [404, 'REPORT_NOT_FOUND']);
  });

  it('refuses an unknown message, a message of another session, and outsiders of a private session; nothing is written', async () => {
    const { id, hostId, reporterId } = await privateSession();
    const other = await privateSession();
    const elsewhere = await (await realtime.connect(stack, other.authorId)).subscribe(other.id);
    const foreign = await elsewhere.send('said in another session');
    const reporter = await as(reporterId);

    const unknown = await report(id, reporter, { reason: 'spam', messageId: randomUUID() });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'MESSAGE_NOT_FOUND']);
    const crossSession = await report(id, reporter, { reason: 'spam', messageId: foreign.id });
    assert.deepEqual([crossSession.status, crossSession.body.code], [404, 'MESSAGE_NOT_FOUND']);
    const outsider = await report(id, await as(uniqueUser('outsider')), { reason: 'let me in' });
    assert.deepEqual([outsider.status, outsider.body.code], [403, 'SESSION_FORBIDDEN']);
    const blank = await report(id, reporter, { reason: '   ' });
    assert.deepEqual([blank.status, blank.body.code], [400, 'VALIDATION_FAILED']);

    const events = await client.call<{ events: SessionEvent[] }>('GET', `/v1/sessions/${id}/events`, await as(hostId));
    assert.equal(events.body.events.filter((e) => e.type === 'live.session.abuse.flagged').length, 0, 'no event for a refused report');
    const open = await listReports(await as(uniqueUser('admin'), { admin: true }), 'open');
    assert.equal(open.body.reports.filter((r) => r.sessionId === id).length, 0, 'no report for a refused report');
  });
});
