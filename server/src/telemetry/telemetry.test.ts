// POST /v1/sessions/{id}/telemetry on real PostgreSQL: stored and counted when good, refused with
// 400 and stored nowhere when bad, rate-limited per user when flooded, and only from participants.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { factories, type SessionSpec } from '../../test/factories.ts';
import { TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';

const PER_MINUTE = 5;

const good = {
  direction: 'receive',
  intervalMs: 10_000,
  bytes: 1_500_000,
  packets: 1_300,
  packetsLost: 13,
  framesDecoded: 295,
  framesDropped: 5,
  freezes: 0,
  freezeMs: 0,
  timeToFirstFrameMs: 640,
  connectAttempts: 1,
  connectFailures: 0,
};

describe('client telemetry', () => {
  let stack: TestStack;
  let api: ContractClient;
  before(async () => {
    stack = await TestStack.start({ reconciler: false, env: { TELEMETRY_REPORTS_PER_MINUTE: String(PER_MINUTE) } });
    api = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  after(async () => stack?.stop());

  const newSession = async (spec: SessionSpec = {}) => {
    const { id, hostId } = await factories(api).goLive({ title: 'Telemetry', ...spec });
    return { id, hostId };
  };
  const send = async (sessionId: string, userId: string, body: unknown) =>
    api.call<{ code?: string; message?: string }>('POST', `/v1/sessions/${sessionId}/telemetry`, {
      token: await userToken(userId),
      json: body,
    });
  const stored = async () =>
    (
      await stack.services.db
        .selectFrom('session_telemetry')
        .selectAll()
        .orderBy('session_id')
        .orderBy('user_id')
        .orderBy('direction')
        .execute()
    ).map(({ updated_at: _, ...row }) => row);
  const metricValues = async () => {
    const client = stack.services.metrics.client;
    const all = await Promise.all(
      [client.bytes, client.packets, client.packetsLost, client.framesDecoded, client.framesDropped, client.connectAttempts].map((m) =>
        m.get(),
      ),
    );
    return all.flatMap((m) => m.values.map((v) => `${m.name}${JSON.stringify(v.labels)}=${v.value}`));
  };
  const reportsCounted = async (result: string) =>
    (await stack.services.metrics.client.reports.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

  it('adds a good report to the session totals and the golive_client_* metrics', async () => {
    const { id } = await newSession();
    const viewer = uniqueUser('viewer');
    const bytesBefore = (await stack.services.metrics.client.bytes.get()).values.find((v) => v.labels.direction === 'receive')?.value ?? 0;
    assert.equal((await send(id, viewer, good)).status, 204);
    assert.equal((await send(id, viewer, { ...good, timeToFirstFrameMs: undefined, framesDropped: 45 })).status, 204);
    const row = await stack.services.db
      .selectFrom('session_telemetry')
      .selectAll()
      .where('session_id', '=', id)
      .where('user_id', '=', viewer)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [row.reports, row.bytes, row.frames_decoded, row.frames_dropped, row.first_frames, row.first_frame_ms_sum, row.connect_attempts].map(
        Number,
      ),
      [2, 3_000_000, 590, 50, 1, 640, 2],
    );
    const bytesAfter = (await stack.services.metrics.client.bytes.get()).values.find((v) => v.labels.direction === 'receive')?.value ?? 0;
    assert.equal(bytesAfter - bytesBefore, 3_000_000);
    const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    assert.match(text, /^golive_client_dropped_frame_ratio_count \d+$/m);
    assert.match(text, /^golive_client_time_to_first_frame_seconds_bucket\{le="0\.75"\} [1-9]/m);
  });

  it('refuses bad telemetry with 400 and stores and counts none of it', async () => {
    const { id } = await newSession();
    const userId = uniqueUser('viewer');
    const rowsBefore = await stored();
    const metricsBefore = await metricValues();
    const invalidBefore = await reportsCounted('invalid');
    const { connectAttempts: _, ...withoutAttempts } = good;
    const { bytes: __, ...withoutBytes } = good;
    const bad: Array<[string, unknown]> = [
      ['an unknown field', { ...good, jitterMs: 3 }],
      ['a number sent as a string', { ...good, bytes: '1500000' }],
      ['a fractional count', { ...good, packets: 10.5 }],
      ['a negative count', { ...good, packetsLost: -1 }],
      ['a count over its maximum', { ...good, framesDecoded: 100_001 }],
      ['an interval too short', { ...good, intervalMs: 10 }],
      ['an unknown direction', { ...good, direction: 'both' }],
      ['a required field missing', withoutBytes],
      ['more failures than attempts', { ...withoutAttempts, connectFailures: 1 }],
      ['frozen longer than the interval', { ...good, freezeMs: 10_001 }],
      ['frames in a send report', { direction: 'send', intervalMs: 10_000, bytes: 1, packets: 1, packetsLost: 0, framesDecoded: 3 }],
      ['an array', [good]],
    ];
    for (const [what, body] of bad) {
      const res = await send(id, userId, body);
      assert.equal(res.status, 400, `${what}: ${res.text}`);
      assert.equal(res.body.code, 'VALIDATION_FAILED', what);
      assert.match(res.body.message ?? '', /^body/, `${what}: the message names the field (${res.body.message})`);
    }
    const notJson = await api.call<{ code: string }>('POST', `/v1/sessions/${id}/telemetry`, {
      token: await userToken(userId),
      raw: '{"direction": "receive",',
      contentType: 'application/json',
    });
    assert.deepEqual([notJson.status, notJson.body.code], [400, 'INVALID_JSON']);
    assert.deepEqual(await stored(), rowsBefore, 'nothing was stored');
    assert.deepEqual(await metricValues(), metricsBefore, 'no client metric moved');
    assert.equal((await reportsCounted('invalid')) - invalidBefore, bad.length + 1);
    // The refusals used none of the user's rate limit: a good report still goes through.
    assert.equal((await send(id, userId, good)).status, 204);
  });

  it('rate-limits a flood per user (across sessions), leaving other users alone', async () => {
    const first = await newSession();
    const second = await newSession();
    const flooder = uniqueUser('flooder');
    const acceptedBefore = await reportsCounted('accepted');
    const limitedBefore = await reportsCounted('rate_limited');
    const statuses: number[] = [];
    for (let i = 0; i < 3 * PER_MINUTE; i++) statuses.push((await send(i % 2 === 0 ? first.id : second.id, flooder, good)).status);
    assert.deepEqual(statuses, [...Array(PER_MINUTE).fill(204), ...Array(2 * PER_MINUTE).fill(429)]);
    const limited = await send(first.id, flooder, good);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.match(limited.body.message ?? '', /retry in/);
    const rows = await stack.services.db
      .selectFrom('session_telemetry')
      .select((eb) => eb.fn.sum<string>('reports').as('reports'))
      .where('user_id', '=', flooder)
      .executeTakeFirst();
    assert.equal(Number(rows?.reports), PER_MINUTE, 'only the accepted reports were stored');
    assert.equal((await reportsCounted('accepted')) - acceptedBefore, PER_MINUTE);
    assert.equal((await reportsCounted('rate_limited')) - limitedBefore, 2 * PER_MINUTE + 1);
    assert.equal((await send(first.id, uniqueUser('calm'), good)).status, 204, 'another user is not limited');
  });

  it('takes reports from participants only, and not long after the end', async () => {
    const priv = await newSession({ visibility: 'private', participants: ['member-1'] });
    const pub = await newSession();
    const res = {
      anonymous: (await api.call('POST', `/v1/sessions/${pub.id}/telemetry`, { json: good })).status,
      outsider: (await send(priv.id, uniqueUser('outsider'), good)).status,
      member: (await send(priv.id, 'member-1', good)).status,
      host: (
        await send(priv.id, priv.hostId, {
          ...good,
          direction: 'send',
          framesDecoded: undefined,
          framesDropped: undefined,
          freezes: undefined,
          freezeMs: undefined,
          timeToFirstFrameMs: undefined,
        })
      ).status,
      service: (await api.call('POST', `/v1/sessions/${pub.id}/telemetry`, { apiKey: TEST_API_KEY, json: good })).status,
      forUser: (
        await api.call('POST', `/v1/sessions/${pub.id}/telemetry`, { apiKey: TEST_API_KEY, actAs: { userId: uniqueUser('u') }, json: good })
      ).status,
    };
    assert.deepEqual(res, { anonymous: 401, outsider: 403, member: 204, host: 204, service: 400, forUser: 204 });

    const banned = uniqueUser('banned');
    const ban = await api.call('POST', `/v1/sessions/${pub.id}/bans`, { token: await userToken(pub.hostId), json: { userId: banned } });
    assert.equal(ban.status, 201, ban.text);
    assert.equal((await send(pub.id, banned, good)).body.code, 'BANNED');

    // The last report of a viewer may arrive just after the end; a minute later it is refused.
    const ended = await api.call('POST', `/v1/sessions/${pub.id}/end`, { token: await userToken(pub.hostId) });
    assert.equal(ended.status, 200);
    assert.equal((await send(pub.id, uniqueUser('late'), good)).status, 204);
    await stack.services.db
      .updateTable('sessions')
      .set({ ended_at: new Date(Date.now() - 61_000) })
      .where('id', '=', pub.id)
      .execute();
    const tooLate = await send(pub.id, uniqueUser('later'), good);
    assert.deepEqual([tooLate.status, tooLate.body.code], [410, 'SESSION_ENDED']);
  });
});
