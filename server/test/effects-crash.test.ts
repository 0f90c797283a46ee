// kill -9 of golive between a commit and its effect: the effect runs after the restart, once.
// golive runs as a child process; its room-service calls go through a proxy that can hold them,
// so the crash lands exactly while the committed ban's LiveKit commands are in flight.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CrashRig } from './crash-rig.ts';
import { exitWithin } from './golive-process.ts';
import { eventually, uniqueUser, userToken, within } from './harness.ts';
import { LivekitApiProxy } from './livekit-api-proxy.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant } from './media.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string; viewerCount: number } };

describe('kill -9 of golive between a commit and its effect', () => {
  let rig: CrashRig;
  let proxy: LivekitApiProxy;
  const media: MediaParticipant[] = [];

  before(async () => {
    rig = await CrashRig.start('golive-crash-');
    proxy = await LivekitApiProxy.start(rig.livekit.endpoint.apiUrl);
  });

  after(async () => {
    await disposeMediaRuntime(media);
    await proxy?.stop();
    await rig?.stop();
  });

  const golive = () =>
    rig.golive({
      // golive's room-service calls go through the proxy; clients reach LiveKit directly.
      LIVEKIT_URL: proxy.url,
      // A held LiveKit call does not time out before the crash.
      LIVEKIT_REQUEST_TIMEOUT_SEC: '60',
      LOG_LEVEL: 'info',
    });
  const call = <T>(method: string, path: string, token: string, body?: unknown) => rig.call<T>(method, path, token, body);

  const effects = async (sessionId: string) =>
    (
      await rig.db.query<{ kind: string; status: string; attempts: number }>(
        'select kind, status, attempts from outbox where session_id = $1 and kind like $2 order by id',
        [sessionId, 'livekit.participant.%'],
      )
    ).rows;

  it('the ban committed before the crash removes the viewer after the restart, each LiveKit command sent once', async (t) => {
    const first = await golive();
    const hostToken = await userToken(uniqueUser('host'));
    const created = await call<Grant>('POST', '/v1/sessions', hostToken, { title: 'Crash', mode: 'broadcast', visibility: 'public' });
    assert.equal(created.status, 201);
    const sessionId = created.body.session.id;
    const viewerId = uniqueUser('viewer');
    const joined = await call<Grant>('POST', `/v1/sessions/${sessionId}/join`, await userToken(viewerId));
    const viewer = await connectParticipant(joined.body.livekitUrl, joined.body.token);
    media.push(viewer);
    await eventually(async () => (await call<Grant['session']>('GET', `/v1/sessions/${sessionId}`, hostToken)).body.viewerCount === 1, {
      what: 'the viewer counted from webhooks',
    });

    proxy.pause();
    const ban = await call('POST', `/v1/sessions/${sessionId}/bans`, hostToken, { userId: viewerId });
    assert.equal(ban.status, 201, 'the ban committed');
    // The first LiveKit command of the ban (its grant update, then the removal) is in flight, held.
    await eventually(() => proxy.waiting > 0, { what: 'the ban’s first LiveKit command to reach the proxy' });
    first.child.kill('SIGKILL');
    await exitWithin(first, 10_000);
    assert.deepEqual(
      (await effects(sessionId)).map((e) => [e.kind, e.status]),
      [
        ['livekit.participant.update', 'pending'],
        ['livekit.participant.remove', 'pending'],
      ],
      'nothing was carried out before the crash',
    );
    proxy.resume();
    assert.equal(
      proxy.forwarded('UpdateParticipant') + proxy.forwarded('RemoveParticipant'),
      0,
      'the dead process’s call never reached LiveKit',
    );

    const restartedAt = performance.now();
    await golive();
    const reason = await within(viewer.disconnected, 20_000, 'the banned viewer to be removed after the restart');
    t.diagnostic(`viewer removed ${Math.round(performance.now() - restartedAt)} ms after the restart began (reason ${String(reason)})`);
    await eventually(async () => (await effects(sessionId)).every((e) => e.status === 'done'), { what: 'both effects done' });
    const done = await effects(sessionId);
    assert.deepEqual(
      done.map((e) => [e.kind, e.status, e.attempts]),
      [
        ['livekit.participant.update', 'done', 2],
        ['livekit.participant.remove', 'done', 2],
      ],
      'both were claimed by the process that died and again by the restarted one',
    );
    // What LiveKit actually received: each command once, in commit order (update, then removal).
    assert.deepEqual(
      proxy.sequence().filter((m) => m === 'UpdateParticipant' || m === 'RemoveParticipant'),
      ['UpdateParticipant', 'RemoveParticipant'],
    );
    const bans = await rig.db.query('select 1 from session_events where session_id = $1 and type = $2', [
      sessionId,
      'live.participant.banned',
    ]);
    assert.equal(bans.rowCount, 1, 'one ban in the audit log');
  });
});
