// createIngest, rotateIngestKey and deleteIngest against real PostgreSQL and livekit-server:
// who may call them, what they answer (checked against /openapi.json), that the key is kept only
// as its hash and dies with the session, and what the host's realtime subscription is told.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IngestStatus } from '@golive/sdk/protocol';
import { sql } from 'kysely';
import { aUser, factories } from '../../test/factories.ts';
import { eventually, TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { ContractClient, OpenapiContract } from '../../test/openapi-validator.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';
import { observeIngest } from './ingest.repository.ts';
import { hashStreamKey } from './stream-key.ts';

type Credentials = { whipUrl: string; streamKey: string; rtmpUrl: string | null };
type ErrorBody = { code: string; message: string };

describe('ingest API: createIngest, rotateIngestKey, deleteIngest', () => {
  let stack: TestStack;
  let client: ContractClient;
  const realtime = new RealtimeClients();

  const liveSession = async (host = uniqueUser('host')) => {
    const created = await factories(client).goLive({ host: await aUser('host', { id: host, name: 'Hana Host' }), title: 'Ingest API' });
    return { id: created.id, host, token: created.hostToken };
  };
  const ingestRows = async (sessionId: string) =>
    (await sql<Record<string, unknown>>`select * from ingests where session_id = ${sessionId}`.execute(stack.services.db)).rows;

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
    client = new ContractClient(stack.baseUrl, await OpenapiContract.load(stack.baseUrl));
  });
  after(async () => {
    realtime.closeAll();
    await stack?.stop();
  });

  it('the host gets the WHIP URL, the RTMP URL and a high-entropy key; the database keeps only its hash', async () => {
    const session = await liveSession();
    const res = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    assert.equal(res.status, 201);
    assert.equal(res.body.whipUrl, `${stack.config.publicUrl}/v1/ingest/whip`);
    assert.equal(res.body.rtmpUrl, `rtmp://127.0.0.1:${stack.services.ingest.rtmp?.port}/live`);
    assert.match(res.body.streamKey, /^glsk_[A-Za-z0-9_-]{43}$/, '256 random bits, URL-safe (it is the RTMP stream name)');
    const rows = await ingestRows(session.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.key_hash, hashStreamKey(res.body.streamKey));
    assert.equal(rows[0]?.host_id, session.host);
    assert.ok(!JSON.stringify(rows).includes(res.body.streamKey), 'the key itself is stored nowhere in the row');
    assert.ok(!stack.logs.text().includes(res.body.streamKey), 'nor in the logs');
    const target = await stack.services.ingest.resolveStreamKey(res.body.streamKey);
    assert.equal(target?.sessionId, session.id);
    assert.equal(target?.hostId, session.host);

    const again = await client.call<ErrorBody>('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'INGEST_EXISTS');
  });

  it('only the host and admins manage the ingest; an admin’s ingest still publishes as the host', async () => {
    const session = await liveSession();
    const viewer = await userToken(uniqueUser('viewer'));
    for (const [method, path] of [
      ['POST', 'ingest'],
      ['POST', 'ingest/rotate'],
      ['DELETE', 'ingest'],
    ] as const) {
      const refused = await client.call<ErrorBody>(method, `/v1/sessions/${session.id}/${path}`, { token: viewer });
      assert.equal(refused.status, 403, `${method} ${path} by a viewer`);
      assert.equal(refused.body.code, 'NOT_HOST');
      assert.match(refused.body.message, /only the host or an admin can manage ingest/);
    }
    const admin = await userToken(uniqueUser('admin'), { admin: true });
    const created = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest`, { token: admin });
    assert.equal(created.status, 201);
    assert.equal((await stack.services.ingest.resolveStreamKey(created.body.streamKey))?.hostId, session.host);
    // The app's backend with its API key, as the service itself.
    const rotated = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest/rotate`, { apiKey: TEST_API_KEY });
    assert.equal(rotated.status, 200);
    const missing = await client.call<ErrorBody>('POST', '/v1/sessions/00000000-0000-4000-8000-000000000000/ingest', {
      token: session.token,
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'SESSION_NOT_FOUND');
  });

  it('rotating issues a new key and the old one opens nothing from then on; deleting removes the ingest', async () => {
    const session = await liveSession();
    const first = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    const rotated = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest/rotate`, { token: session.token });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.streamKey, first.body.streamKey);
    assert.equal(await stack.services.ingest.resolveStreamKey(first.body.streamKey), null);
    assert.equal((await stack.services.ingest.resolveStreamKey(rotated.body.streamKey))?.sessionId, session.id);

    const removed = await client.call('DELETE', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    assert.equal(removed.status, 204);
    assert.equal(await stack.services.ingest.resolveStreamKey(rotated.body.streamKey), null);
    assert.deepEqual(await ingestRows(session.id), []);
    for (const [method, path] of [
      ['DELETE', 'ingest'],
      ['POST', 'ingest/rotate'],
    ] as const) {
      const gone = await client.call<ErrorBody>(method, `/v1/sessions/${session.id}/${path}`, { token: session.token });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.code, 'INGEST_NOT_FOUND');
    }
    const anew = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    assert.equal(anew.status, 201, 'a deleted ingest can be created again');
  });

  it('the key dies with the session: not resolved, not stored, and nothing more can be managed', async () => {
    const session = await liveSession();
    const created = await client.call<Credentials>('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    const ended = await client.call('POST', `/v1/sessions/${session.id}/end`, { token: session.token });
    assert.equal(ended.status, 200);
    assert.equal(await stack.services.ingest.resolveStreamKey(created.body.streamKey), null);
    const [row] = await ingestRows(session.id);
    assert.equal(row?.key_hash, null);
    assert.equal(row?.key_id, null);
    for (const [method, path] of [
      ['POST', 'ingest'],
      ['POST', 'ingest/rotate'],
      ['DELETE', 'ingest'],
    ] as const) {
      const refused = await client.call<ErrorBody>(method, `/v1/sessions/${session.id}/${path}`, { token: session.token });
      assert.equal(refused.status, 410, `${method} ${path} after the end`);
      assert.equal(refused.body.code, 'SESSION_ENDED');
    }
  });

  it('the host’s and admins’ subscriptions carry the ingest and its changes; a viewer’s carries neither', async () => {
    const session = await liveSession();
    const host = await (await realtime.connect(stack, session.host, { name: 'Hana Host' })).subscribe(session.id);
    const admin = await (await realtime.connect(stack, uniqueUser('admin'), { admin: true })).subscribe(session.id);
    const viewer = await (await realtime.connect(stack)).subscribe(session.id);
    assert.equal(host.ingest, null, 'no ingest yet');
    assert.equal(admin.ingest, null);
    assert.equal(viewer.ingest, undefined, 'not for viewers');
    const pushes = { host: [] as (IngestStatus | null)[], admin: [] as (IngestStatus | null)[], viewer: [] as (IngestStatus | null)[] };
    host.on('ingest', (i) => pushes.host.push(i));
    admin.on('ingest', (i) => pushes.admin.push(i));
    viewer.on('ingest', (i) => pushes.viewer.push(i));

    await client.call('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    await client.call('POST', `/v1/sessions/${session.id}/ingest/rotate`, { token: session.token });
    await client.call('DELETE', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    await eventually(() => pushes.host.length === 3, { what: 'three ingest pushes to the host' });
    assert.deepEqual(
      pushes.host.map((i) => i?.state ?? null),
      ['waiting', 'waiting', null],
    );
    assert.equal(pushes.host[0]?.sessionId, session.id);
    assert.ok(!JSON.stringify(pushes.host).includes('glsk_'), 'a push never carries the key');
    await eventually(() => pushes.admin.length === 3, { what: 'the admin to follow' });
    assert.deepEqual(pushes.admin, pushes.host);
    assert.deepEqual(pushes.viewer, [], 'the viewer heard nothing');
  });

  it('a WHIP publish’s second track reaches the host in order after the first, as an effect; fresh figures alone go best effort', async () => {
    const session = await liveSession();
    const host = await (await realtime.connect(stack, session.host, { name: 'Hana Host' })).subscribe(session.id);
    await client.call('POST', `/v1/sessions/${session.id}/ingest`, { token: session.token });
    const [row] = await ingestRows(session.id);
    const target = { ingestId: String(row?.id), keyId: String(row?.key_id) };
    const observe = (seen: Parameters<typeof observeIngest>[2]) =>
      stack.services.work.change(session.id, { subjects: [], lean: true }, (w) => observeIngest(w, target, seen));
    // What LiveKit's track_published webhooks say of a WHIP publish, one commit each.
    assert.equal(await observe({ kind: 'receiving', protocol: 'whip', audio: true, participantSid: 'PA_whip' }), 'applied');
    const video = { width: null, height: null, fps: null };
    assert.equal(await observe({ kind: 'receiving', protocol: 'whip', video, participantSid: 'PA_whip' }), 'applied');
    assert.equal(await observe({ kind: 'receiving', protocol: 'whip', video, participantSid: 'PA_whip' }), 'applied');
    const pushed = await sql<{ payload: { ingest: IngestStatus | null } }>`
      select payload from outbox where session_id = ${session.id} and kind = 'realtime.ingest' order by id`.execute(stack.services.db);
    assert.deepEqual(
      pushed.rows.map((r) => [r.payload.ingest?.state, r.payload.ingest?.audio, r.payload.ingest?.video !== null]),
      [
        ['waiting', null, false],
        ['receiving', true, false],
        ['receiving', true, true],
      ],
      'the created, started and second-track pushes are effects of one ordering key; the repeat is not',
    );
    const now = await eventually(() => (host.ingest?.audio && host.ingest.video ? host.ingest : null), {
      what: 'the host to see picture and sound',
    });
    assert.equal(now.state, 'receiving');
  });
});
