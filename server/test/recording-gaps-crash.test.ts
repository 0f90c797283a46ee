// kill -9 of golive after its recorder skipped frames (ffmpeg SIGSTOPped for 5 s): the media gaps
// its heartbeat saved survive the crash. The recording adopted after the restart keeps them, its
// video is shorter than the wall clock by them, and a chat message sent after the stall is placed
// in the replay by them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MediaGap, readMediaGaps } from '../src/recording/media-gaps.ts';
import { CrashRig } from './crash-rig.ts';
import { childrenNamed } from './golive-process.ts';
import { eventually, uniqueUser, userToken } from './harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, publishSyntheticVideo, publishTone } from './media.ts';
import { RealtimeClients } from './realtime-clients.ts';
import { TEST_ENCODER } from './recording-media.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
type RecordingBody = { id: string; status: string; startedAt: string; durationSec: number | null; interrupted: boolean };

describe('kill -9 of golive after its recorder skipped frames', () => {
  let rig: CrashRig;
  const media: MediaParticipant[] = [];
  const stops: (() => Promise<void>)[] = [];
  const realtime = new RealtimeClients();

  before(async () => {
    rig = await CrashRig.start('golive-recording-gaps-crash-');
  });
  after(async () => {
    realtime.closeAll();
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
    });
  const savedGaps = async (recordingId: string) =>
    readMediaGaps((await rig.db.query('select media_gaps from recordings where id = $1', [recordingId])).rows[0]?.media_gaps);
  const total = (gaps: MediaGap[]) => gaps.reduce((sum, [, length]) => sum + length, 0);

  it('the adopted recording keeps the saved gaps: its video is shorter by them, and the replay chat is placed by them', async (t) => {
    const first = await golive();
    const hostToken = await userToken(uniqueUser('agent'));
    const requester = uniqueUser('requester');
    const created = await rig.call<Grant>('POST', '/v1/sessions', hostToken, {
      title: 'Crash after a stall',
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
    const chat = await (await realtime.connect(rig.baseUrl, requester)).subscribe(sessionId);

    const started = await rig.call<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, hostToken, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.id;
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
    await eventually(() => Date.now() - timeZero >= 2_000, { what: '2 s of recording', timeoutMs: 10_000, intervalMs: 50 });

    // golive's recorder feeds its own ffmpeg child: stopped, it reads nothing, and frames are skipped.
    const [ffmpeg] = childrenNamed(first.child.pid ?? 0, 'ffmpeg');
    assert.ok(ffmpeg, 'golive runs the recorder’s ffmpeg');
    process.kill(ffmpeg, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      process.kill(ffmpeg, 'SIGCONT');
    }
    // The heartbeat (every second) saves them.
    await eventually(async () => total(await savedGaps(recordingId)) >= 1_000, { what: 'the gaps to be saved', timeoutMs: 10_000 });
    const sentAt = Date.now();
    const message = await chat.send('after the stall');
    await new Promise((r) => setTimeout(r, 3_000));
    const beforeCrash = await savedGaps(recordingId);
    first.child.kill('SIGKILL');
    const crashSec = (Date.now() - timeZero) / 1000;
    await first.exited;

    await golive();
    const ready = await eventually(
      async () => {
        const list = await rig.call<{ items: RecordingBody[] }>('GET', `/v1/sessions/${sessionId}/recordings`, hostToken);
        const item = list.body.items.find((r) => r.id === recordingId);
        assert.notEqual(item?.status, 'failed', JSON.stringify(item));
        return item?.status === 'ready' ? item : undefined;
      },
      { what: 'the lost recording to be finalized after the restart', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(ready.interrupted, true);
    const gaps = await savedGaps(recordingId);
    assert.deepEqual(gaps, beforeCrash, 'the adopter keeps the gaps the crashed recorder saved');
    const missingSec = total(gaps) / 1000;
    assert.ok(missingSec >= 1, `${missingSec} s skipped while ffmpeg was stopped`);
    const duration = ready.durationSec ?? 0;
    t.diagnostic(`killed at ${crashSec.toFixed(1)} s with ${missingSec.toFixed(1)} s of gaps; ${duration} s of video adopted`);
    // What was recorded up to the crash, less the gaps and the last unsaved seconds.
    assert.ok(
      duration <= crashSec - missingSec + 0.5 && duration >= crashSec - missingSec - 5,
      `${duration} s of a recording killed at ${crashSec} s with ${missingSec} s of gaps`,
    );

    const replay = await rig.call<{ messages: { id: string; offsetMs: number }[] }>(
      'GET',
      `/v1/recordings/${recordingId}/chat`,
      await userToken(requester),
    );
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    const replayed = replay.body.messages.find((m) => m.id === message.id);
    assert.ok(replayed, 'the message is in the replay');
    const wallOffsetMs = sentAt - Date.parse(ready.startedAt);
    assert.ok(
      Math.abs(replayed.offsetMs - (wallOffsetMs - total(gaps))) <= 100,
      `offset ${replayed.offsetMs} ms: the wall offset ${wallOffsetMs} ms less the gaps ${total(gaps)} ms`,
    );
  });
});
