// kill -9 of golive after its recorder skipped frames (ffmpeg SIGSTOPped for 5 s): the media gaps
// its heartbeat saved survive the crash. The recording adopted after the restart keeps them, its
// video is shorter than the wall clock by them, and a chat message sent after the stall is placed
// in the replay by them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MediaGap, mediaOffset, readMediaGaps } from '../src/recording/media-gaps.ts';
import { CrashRig } from './crash-rig.ts';
import { eventually, userToken } from './harness.ts';
import { disposeMediaRuntime, type MediaParticipant } from './media.ts';
import { childPids } from './proc.ts';
import { RealtimeClients } from './realtime-clients.ts';
import {
  type CrashedRecording,
  finalizedAfterRestart,
  publishingSession,
  recorderStartedAt,
  recordingGolive,
} from './recording-crash-rig.ts';

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

  const savedGaps = async (recordingId: string) =>
    readMediaGaps((await rig.db.query('select media_gaps from recordings where id = $1', [recordingId])).rows[0]?.media_gaps);
  const total = (gaps: MediaGap[]) => gaps.reduce((sum, [, length]) => sum + length, 0);

  it('the adopted recording keeps the saved gaps: its video is shorter by them, and the replay chat is placed by them', async (t) => {
    const first = await recordingGolive(rig);
    const { sessionId, hostToken, requester } = await publishingSession(rig, 'Crash after a stall', { media, stops });
    const chat = await (await realtime.connect(rig.baseUrl, requester)).subscribe(sessionId);
    const started = await rig.call<CrashedRecording>('POST', `/v1/sessions/${sessionId}/recordings`, hostToken, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.id;
    const timeZero = await recorderStartedAt(rig, recordingId);
    await eventually(() => Date.now() - timeZero >= 2_000, { what: '2 s of recording', timeoutMs: 10_000, intervalMs: 50 });

    // golive's recorder feeds its own ffmpeg child: stopped, it reads nothing, and frames are skipped.
    const [ffmpeg] = childPids(first.child.pid ?? 0, 'ffmpeg');
    assert.ok(ffmpeg, 'golive runs the recorder’s ffmpeg');
    process.kill(ffmpeg, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      process.kill(ffmpeg, 'SIGCONT');
    }
    // The heartbeat (every second) saves them.
    await eventually(async () => total(await savedGaps(recordingId)) >= 1_000, { what: 'the gaps to be saved', timeoutMs: 10_000 });
    const message = await chat.send('after the stall');
    await new Promise((r) => setTimeout(r, 3_000));
    const beforeCrash = await savedGaps(recordingId);
    first.child.kill('SIGKILL');
    const crashSec = (Date.now() - timeZero) / 1000;
    await first.exited;

    await recordingGolive(rig);
    const ready = await finalizedAfterRestart(rig, sessionId, recordingId, hostToken);
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
    // By the message's own time (a loaded machine takes a while to send it). A loaded machine may
    // also skip periods after the stall, so the placement is read from the gaps as saved.
    const wallOffsetMs = Date.parse(message.createdAt) - Date.parse(ready.startedAt);
    const expected = mediaOffset(wallOffsetMs, gaps);
    assert.ok(Math.abs(replayed.offsetMs - expected) <= 2, `offset ${replayed.offsetMs} ms, by the saved gaps ${expected} ms`);
    assert.ok(wallOffsetMs - replayed.offsetMs >= 1_000, `moved back by the stall: ${wallOffsetMs} → ${replayed.offsetMs} ms`);
  });
});
