// kill -9 of the process running a recorder, mid-recording: what it stored is finalizable into a
// playable MP4 holding the content up to the crash, less at most the segment in progress. This is
// how an interrupted recording is recovered after a restart, by any instance.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { LocalStorage } from '../src/adapters/storage-local.ts';
import { createLogger } from '../src/logger.ts';
import { finalizeRecording } from '../src/recording/finalize.ts';
import { probeMedia } from '../src/recording/media-probe.ts';
import { storeLeftoverSegments } from '../src/recording/recorder-segments.ts';
import { mintRecorderToken } from '../src/recording/recorder-token.ts';
import { recordingKeys } from '../src/recording/recording-keys.ts';
import { eventually, TEST_API_KEY, TestStack, uniqueUser } from './harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, publishSyntheticVideo, publishTone } from './media.ts';
import type { RecorderChildInput } from './recorder-child.ts';
import { meanVolumeDb, stampAt, TEST_ENCODER } from './recording-media.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
type ChildEvent = { type: 'started'; startedAtMs: number; ffmpegPid: number } | { type: 'segment'; name: string; writtenSec: number };

const SEGMENT_SEC = TEST_ENCODER.segmentSec;

describe('a recorder killed with SIGKILL mid-recording', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'golive-recording-crash-'));
  const storage = new LocalStorage({
    root: join(scratch, 'storage'),
    baseUrl: 'http://127.0.0.1:9',
    signingSecret: randomBytes(32).toString('hex'),
  });
  let stack: TestStack;
  let child: ChildProcess | undefined;
  const participants: MediaParticipant[] = [];

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
    await disposeMediaRuntime(participants);
  });

  it('leaves segments that finalize into a playable MP4 with the content up to the crash, less a segment or so; the leftovers on its machine recover the rest', async (t) => {
    const agentId = uniqueUser('agent');
    const created = await stack.request<Grant>('POST', '/v1/sessions', {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': agentId },
      body: { title: 'Recorded, then the worker dies', mode: 'broadcast', visibility: 'private' },
    });
    assert.equal(created.status, 201);
    const sessionId = created.body.session.id;
    const agent = await connectParticipant(created.body.livekitUrl, created.body.token);
    participants.push(agent);
    const video = await publishSyntheticVideo(agent.room, { width: 640, height: 360, fps: 30 });
    const tone = await publishTone(agent.room);

    const recordingId = randomUUID();
    const input: RecorderChildInput = {
      recordingId,
      livekitUrl: created.body.livekitUrl,
      token: await mintRecorderToken(stack.services.livekit, { sessionId, recordingId, ttlSec: 600 }),
      storageDir: storage.root,
      signingSecret: 'unused-in-the-child-0123456789abcdef',
      encoder: TEST_ENCODER,
      workDir: join(scratch, 'work'),
    };
    child = spawn(process.execPath, [resolve(import.meta.dirname, 'recorder-child.ts')], {
      env: { ...process.env, GOLIVE_RECORDER_CHILD: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const events: ChildEvent[] = [];
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.includes('"recorderEvent"')) return; // rtc-node's own log lines
      events.push(JSON.parse(line) as ChildEvent);
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child?.once('exit', (_code, signal) => done(signal)));

    const started = await eventually(() => events.find((e) => e.type === 'started'), {
      what: 'the child recorder to start',
      timeoutMs: 20_000,
    });
    // Killed between segment boundaries, after at least three segments were stored.
    await eventually(() => events.filter((e) => e.type === 'segment' && e.name.startsWith('seg-')).length >= 3, {
      what: 'three stored segments',
      timeoutMs: 30_000,
    });
    await eventually(() => Date.now() - started.startedAtMs >= 3 * SEGMENT_SEC * 1000 + SEGMENT_SEC * 500, { what: 'mid-segment' });
    const killedAtMs = Date.now();
    const killedAtPerf = performance.now();
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    await video.stop();
    await tone.stop();
    // Its ffmpeg sees its input pipes close and exits by itself: no orphan encoder.
    await eventually(() => !existsSync(`/proc/${started.ffmpegPid}`), { what: 'the killed recorder’s ffmpeg to exit', timeoutMs: 15_000 });

    const storedSegments = (await storage.list(recordingKeys(recordingId).segmentsPrefix)).filter((o) => o.key.endsWith('.m4s'));
    // What any other instance sees: the segments in storage only (kept, for the second part below).
    const finalize = (keepSegments: boolean) =>
      finalizeRecording({
        storage,
        recordingId,
        ffmpegPath: 'ffmpeg',
        ffprobePath: 'ffprobe',
        workDir: join(scratch, 'finalize'),
        keepSegments,
      });
    const finalized = await finalize(true);
    assert.equal(finalized.segments, storedSegments.length);
    const file = storage.pathOf(finalized.key);
    const probe = await probeMedia('ffprobe', file);
    assert.deepEqual(
      probe.streams.map((s) => [s.type, s.codec]),
      [
        ['video', 'h264'],
        ['audio', 'aac'],
      ],
    );

    const aliveSec = (killedAtMs - started.startedAtMs) / 1000;
    const lostSec = aliveSec - finalized.durationSec;
    assert.ok(
      lostSec >= 0 && lostSec <= 2 * SEGMENT_SEC + 1,
      `recorded ${aliveSec.toFixed(2)} s before the crash, kept ${finalized.durationSec} s`,
    );

    // The last frame kept is one the host sent shortly before the crash.
    const lastStamp = await stampAt(file, -0.3);
    assert.ok(lastStamp !== null, 'the last frame carries a host frame number');
    const sentAt = video.sentAt(lastStamp);
    assert.ok(sentAt !== undefined, `frame ${lastStamp} is one the host sent`);
    const beforeCrashSec = (killedAtPerf - sentAt) / 1000;
    assert.ok(
      beforeCrashSec >= 0 && beforeCrashSec <= 2 * SEGMENT_SEC + 1.5,
      `the last kept frame was sent ${beforeCrashSec.toFixed(2)} s before the crash`,
    );
    assert.ok((await meanVolumeDb(file, 1, 2)) > -25, 'the tone is there');
    t.diagnostic(
      `recorded ${aliveSec.toFixed(2)} s until SIGKILL; finalized ${finalized.durationSec.toFixed(2)} s from ${finalized.segments} segments (lost ${lostSec.toFixed(2)} s); last kept frame sent ${beforeCrashSec.toFixed(2)} s before the kill`,
    );

    // On the machine it ran on, the scratch folder holds the segment ffmpeg finished after the
    // recorder died: storing it first recovers nearly everything.
    const added = await storeLeftoverSegments({ workDir: input.workDir, recordingId, storage, logger: createLogger('warn') });
    assert.ok(added >= 1, `the leftover segments were stored (${added})`);
    assert.equal(existsSync(join(input.workDir, recordingId)), false, 'the scratch folder is gone');
    const recovered = await finalize(false);
    assert.equal(recovered.segments, finalized.segments + added);
    const recoveredLost = aliveSec - recovered.durationSec;
    assert.ok(
      recoveredLost >= -0.5 && recoveredLost < lostSec,
      `with the leftovers: ${recovered.durationSec} s of ${aliveSec.toFixed(2)} s`,
    );
    assert.deepEqual(await storage.list(recordingKeys(recordingId).segmentsPrefix), [], 'segments deleted after the final finalize');
    t.diagnostic(
      `with the leftover segments: ${recovered.durationSec.toFixed(2)} s from ${recovered.segments} segments (lost ${recoveredLost.toFixed(2)} s)`,
    );
  });
});
