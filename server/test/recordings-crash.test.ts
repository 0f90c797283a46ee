// kill -9 of golive mid-recording, through the API: after the restart the recording is ready and
// interrupted, with the content up to the crash less a few seconds. golive runs as a child process
// (its worker runs the recorder); the host publishes with rtc-node from this process.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeMedia } from '../src/recording/media-probe.ts';
import { CrashRig } from './crash-rig.ts';
import { eventually, uniqueUser, userToken } from './harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, publishSyntheticVideo, publishTone } from './media.ts';
import { TEST_ENCODER } from './recording-media.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
type RecordingBody = { id: string; status: string; startedAt: string; durationSec: number | null; interrupted: boolean; error?: string };

describe('kill -9 of golive mid-recording', () => {
  let rig: CrashRig;
  const media: MediaParticipant[] = [];
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    rig = await CrashRig.start('golive-recording-crash-');
  });

  after(async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
    await disposeMediaRuntime(media);
    await rig?.stop();
  });

  const golive = () =>
    rig.golive({
      RECORDING_WIDTH: String(TEST_ENCODER.width),
      RECORDING_HEIGHT: String(TEST_ENCODER.height),
      RECORDING_SEGMENT_SEC: String(TEST_ENCODER.segmentSec),
      RECORDING_THREADS: String(TEST_ENCODER.threads),
      LOG_LEVEL: 'info',
    });
  const call = <T>(method: string, path: string, token: string, body?: unknown) => rig.call<T>(method, path, token, body);

  it('after the restart the recording is ready and interrupted, holding what was recorded up to the crash less a few seconds', async () => {
    const first = await golive();
    const hostToken = await userToken(uniqueUser('agent'));
    const requester = uniqueUser('requester');
    const created = await call<Grant>('POST', '/v1/sessions', hostToken, {
      title: 'Crash while recording',
      mode: 'interactive',
      visibility: 'private',
      participants: [requester],
    });
    assert.equal(created.status, 201);
    const sessionId = created.body.session.id;
    const host = await connectParticipant(created.body.livekitUrl, created.body.token);
    media.push(host);
    const video = await publishSyntheticVideo(host.room, { width: 640, height: 360, fps: 30, name: 'agent-camera' });
    const tone = await publishTone(host.room, { frequency: 440 });
    stops.push(
      () => video.stop(),
      () => tone.stop(),
    );

    const started = await call<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, hostToken, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.id;
    // The recorder's first frame is the recording's time 0 (the worker writes it when it starts).
    const row = await eventually(
      async () =>
        (
          await rig.db.query<{ started_at: Date; recorder_instance: string | null }>(
            'select started_at, recorder_instance from recordings where id = $1',
            [recordingId],
          )
        ).rows.find((r) => r.recorder_instance !== null),
      { what: 'the worker to start the recorder', timeoutMs: 20_000 },
    );
    const timeZero = row.started_at.getTime();
    await eventually(() => Date.now() - timeZero >= 9_000, { what: '9 s of recording', timeoutMs: 20_000, intervalMs: 50 });
    first.child.kill('SIGKILL');
    const crashSec = (Date.now() - timeZero) / 1000;
    await first.exited;

    await golive();
    const requesterToken = await userToken(requester);
    const ready = await eventually(
      async () => {
        const list = await call<{ items: RecordingBody[] }>('GET', `/v1/sessions/${sessionId}/recordings`, hostToken);
        const item = list.body.items.find((r) => r.id === recordingId);
        assert.notEqual(item?.status, 'failed', JSON.stringify(item));
        return item?.status === 'ready' ? item : undefined;
      },
      { what: 'the lost recording to be finalized after the restart', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(ready.interrupted, true);
    const duration = ready.durationSec ?? 0;
    assert.ok(duration <= crashSec + 0.5 && duration >= crashSec - 5, `${duration} s of a recording killed at ${crashSec} s`);

    const playback = await call<{ url: string }>('GET', `/v1/recordings/${recordingId}/playback`, requesterToken);
    assert.equal(playback.status, 200, JSON.stringify(playback.body));
    const file = join(rig.dataDir, 'crashed.mp4');
    await writeFile(file, Buffer.from(await (await fetch(playback.body.url)).arrayBuffer()));
    const probe = await probeMedia('ffprobe', file);
    assert.deepEqual(probe.streams.map((s) => s.type).sort(), ['audio', 'video']);
    assert.ok(Math.abs(probe.durationSec - duration) < 0.5);
    // A new recording may start: the lost one no longer counts as in progress.
    const again = await call<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, hostToken, {});
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
});
