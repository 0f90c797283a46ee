// RTMP ingest with real parts: createIngest gives the RTMP URL and a stream key; ffmpeg publishes
// a test pattern and a tone to golive's RTMP listener, golive decodes it with ffmpeg and
// publishes it into a real livekit-server with rtc-node, an rtc-node viewer decodes the frames
// and hears the tone, and the host's realtime subscription follows the ingest's state.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { IngestStatus } from '@golive/sdk/protocol';
import { RoomEvent } from '@livekit/rtc-node';
import type { SessionSubscription } from '../../../sdk/src/realtime/session-subscription.ts';
import { aUser, factories } from '../../test/factories.ts';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, receiveAudio, waitForDecodedFrames } from '../../test/media.ts';
import { RealtimeClients } from '../../test/realtime-clients.ts';
import { ingestIdentity } from './ingest-participant.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
type Credentials = { whipUrl: string; streamKey: string; rtmpUrl: string | null };
type Events = { events: { type: string; actorId: string | null; reason: string | null; data: Record<string, unknown> }[] };

/** ffmpeg as the encoder: a 640×360 test pattern at 30 fps and a 440 Hz tone, in real time. */
function encoder(url: string, seconds: number): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30'];
  args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds));
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p');
  args.push('-c:a', 'aac', '-b:a', '128k', '-f', 'flv', url);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot run ffmpeg (apt-get install -y ffmpeg; ./golive test installs it): ${error.message}`)),
    );
    child.once('close', (code) => resolve({ code, stderr }));
  });
  return { child, exited };
}

describe('RTMP ingest: ffmpeg → golive (RTMP, decode, rtc-node) → livekit-server → rtc-node viewer', () => {
  let stack: TestStack;
  let viewer: MediaParticipant;
  const realtime = new RealtimeClients();
  const encoders: ChildProcess[] = [];
  let hostId: string;
  let hostToken: string;
  let sessionId: string;
  let credentials: Credentials;
  /** Every ingest state the host's realtime subscription was told, in order. */
  const seen: (IngestStatus | null)[] = [];
  let subscription: SessionSubscription;

  const startSession = async (host: string) =>
    (await factories(stack).goLive({ host: await aUser('host', { id: host, name: 'Rita RTMP' }), title: 'RTMP test' })).id;
  const createIngest = async (session: string, token: string) => {
    const res = await stack.request<Credentials>('POST', `/v1/sessions/${session}/ingest`, { token });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const publishUrl = (c: Credentials, key = c.streamKey) => `${c.rtmpUrl}/${key}`;
  const states = () => seen.map((s) => (s ? `${s.state}${s.stopReason ? `:${s.stopReason}` : ''}` : 'none'));
  const events = async () =>
    (await stack.request<Events>('GET', `/v1/sessions/${sessionId}/events`, { token: hostToken })).body.events.filter((e) =>
      e.type.startsWith('live.ingest.'),
    );
  const leaves = (identity: string) =>
    new Promise<void>((resolve) =>
      viewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === identity) resolve();
      }),
    );

  before(async () => {
    // One relay per instance, so the limit is reached by a second ingest.
    stack = await TestStack.start({ env: { RTMP_MAX_CONCURRENT: '1' } });
    hostId = uniqueUser('rtmp-host');
    hostToken = await userToken(hostId, { name: 'Rita RTMP' });
    sessionId = await startSession(hostId);
    credentials = await createIngest(sessionId, hostToken);
    const host = await realtime.connect(stack, hostId, { name: 'Rita RTMP' });
    subscription = await host.subscribe(sessionId);
    subscription.on('ingest', (ingest) => seen.push(ingest));
    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('viewer')) });
    viewer = await connectParticipant(joined.body.livekitUrl, joined.body.token);
  });
  after(async () => {
    for (const child of encoders) child.kill('SIGKILL');
    realtime.closeAll();
    await viewer?.disconnect();
    await stack?.stop();
    await disposeMediaRuntime();
  });

  it('createIngest answers the RTMP URL of golive’s own listener, and the host subscription starts at waiting', () => {
    assert.equal(credentials.rtmpUrl, `rtmp://127.0.0.1:${stack.services.ingest.rtmp?.port}/live`);
    assert.match(credentials.streamKey, /^glsk_[A-Za-z0-9_-]{43}$/);
    assert.equal(subscription.ingest?.state, 'waiting');
  });

  it('a wrong stream key is refused: the encoder fails with INVALID_STREAM_KEY and nobody joins', async () => {
    const { child, exited } = encoder(publishUrl(credentials, 'glsk_wrong'), 5);
    encoders.push(child);
    const { code, stderr } = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /INVALID_STREAM_KEY/);
    assert.equal(viewer.room.remoteParticipants.size, 0);
    assert.equal(stack.services.ingest.rtmp?.activeCount, 0);
  });

  it('relays the stream as the host: the viewer decodes 640×360 frames and hears the tone, the count is unchanged, the host sees receiving', async () => {
    const { child } = encoder(publishUrl(credentials), 90);
    encoders.push(child);
    const identity = ingestIdentity(hostId);
    const decoded = await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 60, timeoutMs: 20_000 });
    assert.equal(decoded.frames.length, 60);
    assert.ok(
      decoded.frames.every((f) => f.width === 640 && f.height === 360),
      `the viewer gets the encoder's size: ${decoded.frames[0]?.width}×${decoded.frames[0]?.height}`,
    );
    // Pictures come steadily, not in bursts that WebRTC's frame-rate limiter would thin out: the
    // encoder sends 30 fps, so 60 frames span about 2 s (a loose bound, for a loaded machine).
    const spanMs = (decoded.frames.at(-1)?.receivedAt ?? 0) - (decoded.frames[0]?.receivedAt ?? 0);
    assert.ok(spanMs < 6_000, `60 frames arrived over ${Math.round(spanMs)} ms: at least 10 fps`);
    const audio = await receiveAudio(viewer.room, { fromIdentity: identity, durationMs: 1_000, timeoutMs: 10_000 });
    assert.ok(audio.rms > 1_000, `the 440 Hz tone arrives (rms ${Math.round(audio.rms)})`);

    const ingest = viewer.room.remoteParticipants.get(identity);
    assert.equal(ingest?.attributes['golive.role'], 'host');
    assert.equal(ingest?.attributes['golive.ingest'], 'rtmp');
    assert.equal(ingest?.name, 'Rita RTMP');

    const receiving = await eventually(() => seen.find((s) => s?.state === 'receiving' && s.video !== null && (s.bitrateKbps ?? 0) > 0), {
      timeoutMs: 10_000,
      what: 'a receiving status with the picture and bitrate, pushed to the host',
    });
    assert.equal(receiving.protocol, 'rtmp');
    assert.deepEqual([receiving.video?.width, receiving.video?.height], [640, 360]);
    assert.equal(receiving.audio, true);
    assert.ok((receiving.video?.fps ?? 0) > 5, `a frame rate is reported (${receiving.video?.fps})`);

    await eventually(async () => (await events()).some((e) => e.type === 'live.ingest.started' && e.data.protocol === 'rtmp'), {
      what: 'live.ingest.started in the audit log',
    });
    await eventually(
      async () => {
        const res = await stack.request<Events>('GET', `/v1/sessions/${sessionId}/events`, { token: hostToken });
        return res.body.events.some((e) => e.type === 'live.participant.joined' && e.actorId === identity);
      },
      { timeoutMs: 10_000, what: 'the ingest participant_joined webhook' },
    );
    const session = await stack.request<{ viewerCount: number }>('GET', `/v1/sessions/${sessionId}`, { token: hostToken });
    assert.equal(session.body.viewerCount, 1, 'only the rtc-node viewer is counted');
  });

  it('past the instance’s limit a second ingest is refused with INGEST_LIMIT_REACHED, and its host is told why', async () => {
    const otherHost = uniqueUser('rtmp-host');
    const otherToken = await userToken(otherHost);
    const otherSession = await startSession(otherHost);
    const other = await createIngest(otherSession, otherToken);
    const { child, exited } = encoder(publishUrl(other), 5);
    encoders.push(child);
    const { code, stderr } = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /INGEST_LIMIT_REACHED/);
    const sub = await (await realtime.connect(stack, otherHost)).subscribe(otherSession);
    await eventually(() => sub.ingest?.state === 'stopped' && sub.ingest.stopReason === 'limit_reached', {
      what: "the other session's ingest stopped with limit_reached",
    });
    assert.equal(stack.services.ingest.rtmp?.activeCount, 1, 'the first ingest still runs');
  });

  it('rotating the key stops the relay on the old key at once; the old key is refused, the new one publishes', async () => {
    const identity = ingestIdentity(hostId);
    const left = leaves(identity);
    const rotated = await stack.request<Credentials>('POST', `/v1/sessions/${sessionId}/ingest/rotate`, { token: hostToken });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.streamKey, credentials.streamKey);
    await left;
    await eventually(() => stack.services.ingest.rtmp?.activeCount === 0, { what: 'the old relay to stop' });
    await eventually(() => subscription.ingest?.state === 'waiting', { what: 'the host to see waiting for the new key' });
    const old = encoder(publishUrl(credentials), 5);
    encoders.push(old.child);
    const refused = await old.exited;
    assert.match(refused.stderr, /INVALID_STREAM_KEY/, 'the rotated-out key is refused');
    assert.ok((await events()).some((e) => e.type === 'live.ingest.stopped' && e.reason === 'key_rotated'));

    credentials = rotated.body;
    seen.length = 0;
    const { child } = encoder(publishUrl(credentials), 90);
    encoders.push(child);
    await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 10, timeoutMs: 20_000 });
    await eventually(() => subscription.ingest?.state === 'receiving', { what: 'receiving on the new key' });
  });

  it('the encoder stopping ends the ingest: the host’s subscription goes receiving → stopped (encoder_disconnected)', async () => {
    const identity = ingestIdentity(hostId);
    const current = encoders.at(-1);
    assert.ok(current);
    const left = leaves(identity);
    // ffmpeg's graceful stop (q in its console; SIGINT here) closes the RTMP connection, as OBS does.
    current.kill('SIGINT');
    await left;
    const last = await eventually(() => (seen.at(-1)?.state === 'stopped' ? seen.at(-1) : null), { what: 'the stopped status' });
    assert.equal(last?.stopReason, 'encoder_disconnected');
    const ordered = states();
    assert.ok(
      ordered.indexOf('receiving') >= 0 && ordered.indexOf('receiving') < ordered.indexOf('stopped:encoder_disconnected'),
      ordered.join(' → '),
    );
    assert.equal(stack.services.ingest.rtmp?.activeCount, 0);
    await eventually(async () => (await events()).some((e) => e.type === 'live.ingest.stopped' && e.reason === 'encoder_disconnected'), {
      what: 'live.ingest.stopped in the audit log',
    });
  });

  it('the key of an ended session is refused', async () => {
    const ended = await stack.request('POST', `/v1/sessions/${sessionId}/end`, { token: hostToken });
    assert.equal(ended.status, 200);
    const { child, exited } = encoder(publishUrl(credentials), 5);
    encoders.push(child);
    const { code, stderr } = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /INVALID_STREAM_KEY/);
  });
});
