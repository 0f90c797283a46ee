// kill -9 of golive mid-recording, through the API: after the restart the recording is ready and
// interrupted, with the content up to the crash less a few seconds. golive runs as a child process
// (its worker runs the recorder); the host publishes with rtc-node from this process.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeMedia } from '../src/recording/media-probe.ts';
import { CrashRig } from './crash-rig.ts';
import { eventually, userToken } from './harness.ts';
import { disposeMediaRuntime, type MediaParticipant } from './media.ts';
import {
  finalizedAfterRestart,
  publishingSession,
  type CrashedRecording as RecordingBody,
  recorderStartedAt,
  recordingGolive,
} from './recording-crash-rig.ts';

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

  const call = <T>(method: string, path: string, token: string, body?: unknown) => rig.call<T>(method, path, token, body);

  it('after the restart the recording is ready and interrupted, holding what was recorded up to the crash less a few seconds', async () => {
    const first = await recordingGolive(rig, { LOG_LEVEL: 'info' });
    const { sessionId, hostToken, requester } = await publishingSession(rig, 'Crash while recording', { media, stops });
    const started = await call<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, hostToken, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.id;
    const timeZero = await recorderStartedAt(rig, recordingId);
    await eventually(() => Date.now() - timeZero >= 9_000, { what: '9 s of recording', timeoutMs: 20_000, intervalMs: 50 });
    first.child.kill('SIGKILL');
    const crashSec = (Date.now() - timeZero) / 1000;
    await first.exited;

    await recordingGolive(rig, { LOG_LEVEL: 'info' });
    const requesterToken = await userToken(requester);
    const ready = await finalizedAfterRestart(rig, sessionId, recordingId, hostToken);
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
