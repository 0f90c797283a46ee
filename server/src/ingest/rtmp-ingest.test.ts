// RTMP ingest with real parts: ffmpeg publishes a test pattern and a tone over RTMP to golive's
// listener, golive decodes it with ffmpeg and publishes it into a real livekit-server with
// rtc-node, and an rtc-node viewer decodes the frames and hears the tone.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { RoomEvent } from '@livekit/rtc-node';
import { eventually, TestStack, uniqueUser, userToken } from '../../test/harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, receiveAudio, waitForDecodedFrames } from '../../test/media.ts';
import { createLogger } from '../logger.ts';
import { ingestIdentity, ingestTokenRequest } from './ingest-participant.ts';
import type { IngestStatus } from './ingest-status.ts';
import { type RtmpIngestGrant, RtmpIngestServer } from './rtmp-server.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
type Session = { viewerCount: number };

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
  let rtmp: RtmpIngestServer;
  let viewer: MediaParticipant;
  const encoders: ChildProcess[] = [];
  const statuses: { ingestId: string; status: IngestStatus }[] = [];
  const keys = new Map<string, { ingestId: string; sessionId: string; hostId: string }>();
  let hostId: string;
  let sessionId: string;

  const startSession = async (host: string) => {
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      token: await userToken(host),
      body: { title: 'RTMP test', mode: 'broadcast', visibility: 'public' },
    });
    assert.equal(created.status, 201);
    return created.body.session.id;
  };
  const rtmpUrl = (key: string) => `rtmp://127.0.0.1:${rtmp.port}/live/${key}`;
  const statusesOf = (ingestId: string) => statuses.filter((s) => s.ingestId === ingestId).map((s) => s.status);

  before(async () => {
    stack = await TestStack.start();
    hostId = uniqueUser('rtmp-host');
    sessionId = await startSession(hostId);
    keys.set('sk_rtmp_first', { ingestId: 'ingest-1', sessionId, hostId });
    const endpoint = stack.livekitServer.endpoint;
    rtmp = new RtmpIngestServer({
      port: 0,
      maxConcurrent: 1,
      statusIntervalMs: 1_000,
      logger: createLogger(process.env.GOLIVE_TEST_LOG_LEVEL ?? 'warn').child({ component: 'rtmp-ingest' }),
      authorize: async (key): Promise<RtmpIngestGrant | null> => {
        const found = keys.get(key);
        if (!found) return null;
        const token = await stack.services.livekit.mintToken(
          ingestTokenRequest({ sessionId: found.sessionId, hostId: found.hostId, hostName: 'Rita RTMP', protocol: 'rtmp' }),
        );
        return { ingestId: found.ingestId, livekitUrl: endpoint.clientUrl, token };
      },
      onStatus: (ingestId, status) => statuses.push({ ingestId, status }),
    });
    await rtmp.listen();
    const joined = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('viewer')) });
    viewer = await connectParticipant(joined.body.livekitUrl, joined.body.token);
  });
  after(async () => {
    for (const child of encoders) child.kill('SIGKILL');
    await rtmp?.close();
    await viewer?.disconnect();
    await stack?.stop();
    await disposeMediaRuntime();
  });

  it('a wrong stream key is refused: the encoder fails with INVALID_STREAM_KEY and nobody joins', async () => {
    const { child, exited } = encoder(rtmpUrl('sk_wrong'), 5);
    encoders.push(child);
    const { code, stderr } = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /INVALID_STREAM_KEY/);
    assert.equal(viewer.room.remoteParticipants.size, 0);
    assert.equal(rtmp.activeCount, 0);
  });

  it('relays the stream as the host: the viewer decodes 640×360 frames and hears the tone, the count is unchanged', async () => {
    const { child } = encoder(rtmpUrl('sk_rtmp_first'), 60);
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

    const receiving = await eventually(
      () => statusesOf('ingest-1').find((s) => s.state === 'receiving' && s.video !== null && s.bitrateKbps > 0),
      { timeoutMs: 5_000, what: 'a receiving status with the picture and bitrate' },
    );
    assert.ok(receiving.state === 'receiving' && receiving.video);
    assert.equal(receiving.video.width, 640);
    assert.equal(receiving.video.height, 360);
    assert.equal(receiving.audio, true);

    const host = await userToken(hostId);
    await eventually(
      async () => {
        const res = await stack.request<{ events: { type: string; actorId: string | null }[] }>('GET', `/v1/sessions/${sessionId}/events`, {
          token: host,
        });
        return res.body.events.some((e) => e.type === 'live.participant.joined' && e.actorId === identity);
      },
      { timeoutMs: 10_000, what: 'the ingest participant_joined webhook' },
    );
    const session = await stack.request<Session>('GET', `/v1/sessions/${sessionId}`, { token: host });
    assert.equal(session.body.viewerCount, 1, 'only the rtc-node viewer is counted');
  });

  it('past the per-process limit a second ingest is refused with INGEST_LIMIT_REACHED', async () => {
    const otherHost = uniqueUser('rtmp-host');
    keys.set('sk_rtmp_second', { ingestId: 'ingest-2', sessionId: await startSession(otherHost), hostId: otherHost });
    const { child, exited } = encoder(rtmpUrl('sk_rtmp_second'), 5);
    encoders.push(child);
    const { code, stderr } = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /INGEST_LIMIT_REACHED/);
    assert.deepEqual(
      statusesOf('ingest-2').map((s) => s.state === 'stopped' && s.reason),
      ['limit_reached'],
    );
    assert.equal(rtmp.activeCount, 1, 'the first ingest still runs');
  });

  it('stop() ends a running ingest: the encoder is dropped and the ingest participant leaves', async () => {
    const identity = ingestIdentity(hostId);
    const left = new Promise<void>((resolve) =>
      viewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === identity) resolve();
      }),
    );
    assert.equal(await rtmp.stop('ingest-1'), true);
    await left;
    assert.equal(rtmp.activeCount, 0);
    const last = statusesOf('ingest-1').at(-1);
    assert.deepEqual(last, { state: 'stopped', protocol: 'rtmp', reason: 'stopped' });
  });

  it('an encoder reconnecting with the same key replaces its old connection; the encoder stopping ends the ingest', async () => {
    const identity = ingestIdentity(hostId);
    const first = encoder(rtmpUrl('sk_rtmp_first'), 60);
    encoders.push(first.child);
    await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 10, timeoutMs: 20_000 });
    const second = encoder(rtmpUrl('sk_rtmp_first'), 60);
    encoders.push(second.child);
    const firstExit = await first.exited;
    assert.notEqual(firstExit.code, 0, 'the old connection is dropped');
    await eventually(() => statusesOf('ingest-1').some((s) => s.state === 'stopped' && s.reason === 'replaced'), {
      what: 'the replaced status',
    });
    const decoded = await waitForDecodedFrames(viewer.room, { fromIdentity: identity, count: 10, timeoutMs: 20_000 });
    assert.equal(decoded.frames.length, 10, 'the new connection publishes');
    assert.equal(rtmp.activeCount, 1);

    // ffmpeg's graceful stop (q in its console; SIGINT here) closes the RTMP connection, as OBS does.
    const left = new Promise<void>((resolve) =>
      viewer.room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === identity) resolve();
      }),
    );
    const stopsBefore = statusesOf('ingest-1').filter((s) => s.state === 'stopped').length;
    second.child.kill('SIGINT');
    await second.exited;
    await left;
    await eventually(() => statusesOf('ingest-1').filter((s) => s.state === 'stopped').length > stopsBefore, {
      what: 'the stopped status',
    });
    assert.deepEqual(statusesOf('ingest-1').at(-1), { state: 'stopped', protocol: 'rtmp', reason: 'encoder_disconnected' });
    assert.equal(rtmp.activeCount, 0);
  });
});
