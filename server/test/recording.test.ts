// The recorder end to end on real parts: a task session on golive and livekit-server, the agent
// (host) publishing changing video and a tone through rtc-node, the requester coming on stage
// mid-recording, the hidden recorder composing and encoding with ffmpeg, segments stored as they
// complete, then finalize to one MP4. The same path runs against versitygw (S3) and local files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrackSource } from '@livekit/rtc-node';
import type { ObjectStorage } from '../src/adapters/storage.ts';
import { S3Storage } from '../src/adapters/storage-s3.ts';
import { createLogger } from '../src/logger.ts';
import { type FinalizedRecording, finalizeRecording } from '../src/recording/finalize.ts';
import { probeMedia } from '../src/recording/media-probe.ts';
import type { RecordingOutcome } from '../src/recording/recorder.ts';
import { containRect } from '../src/recording/recorder-compositor.ts';
import { layoutStage } from '../src/recording/recorder-layout.ts';
import { RecorderPool } from '../src/recording/recorder-pool.ts';
import { mintRecorderToken, recorderIdentity } from '../src/recording/recorder-token.ts';
import { recordingKeys } from '../src/recording/recording-keys.ts';
import { eventually, TEST_API_KEY, TestStack, uniqueUser } from './harness.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  publishTone,
  type SyntheticVideo,
  type Tone,
} from './media.ts';
import { download, meanVolumeDb, stampAt, TEST_ENCODER } from './recording-media.ts';
import { type S3TestServer, startVersitygw } from './versitygw.ts';

type Grant = { token: string; livekitUrl: string; role: string; session: { id: string } };

let stack: TestStack;
let s3Server: S3TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'golive-recording-test-'));
const participants: MediaParticipant[] = [];
const publications: (SyntheticVideo | Tone)[] = [];
/** Recordings the tests stored, deleted at the end (the local ones live in the shared test data dir). */
const stored: { storage: ObjectStorage; recordingId: string }[] = [];

before(async () => {
  [stack, s3Server] = await Promise.all([
    TestStack.start({
      reconciler: false,
      env: {
        RECORDING_MAX_CONCURRENT: '1',
        RECORDING_WIDTH: String(TEST_ENCODER.width),
        RECORDING_HEIGHT: String(TEST_ENCODER.height),
        RECORDING_SEGMENT_SEC: String(TEST_ENCODER.segmentSec),
        RECORDING_THREADS: String(TEST_ENCODER.threads),
        RECORDING_WORK_DIR: join(scratch, 'work'),
      },
    }),
    startVersitygw(),
  ]);
});
after(async () => {
  await Promise.allSettled(stored.map((r) => r.storage.deletePrefix(recordingKeys(r.recordingId).prefix)));
  await Promise.allSettled(publications.map((p) => p.stop()));
  await stack?.services.recorders.stopAll();
  await Promise.allSettled([stack?.stop(), s3Server?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
  await disposeMediaRuntime(participants);
});

const api = async <T>(method: string, path: string, userId: string, body?: unknown) => {
  const headers = { 'x-api-key': TEST_API_KEY, 'x-golive-user': userId };
  const res = await stack.request<T>(method, path, { headers, body });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** What one recording run saw, for the assertions below. */
type Run = {
  storage: ObjectStorage;
  recordingId: string;
  outcome: RecordingOutcome;
  finalized: FinalizedRecording;
  file: string;
  /** Wall-clock seconds from the recorder's start to the stop call. */
  recordedSec: number;
  /** Media second at which the recorder had the host's video, and the requester's. */
  hostSeenAt: number;
  guestSeenAt: number;
  /** Media second at which the recorder had dropped the requester, who left. */
  guestGoneAt: number;
  host: SyntheticVideo;
  guest: SyntheticVideo;
  capacityRefusal?: unknown;
  duplicateRefusal?: unknown;
  flaggedWhileRecording: boolean;
  participantsWhileRecording: { status: number; body: unknown };
  unflaggedAfterStop: boolean;
};

async function recordTaskSession(pool: RecorderPool, storage: ObjectStorage, probePool?: RecorderPool): Promise<Run> {
  const agentId = uniqueUser('agent');
  const requesterId = uniqueUser('requester');
  const created = await api<Grant>('POST', '/v1/sessions', agentId, {
    title: 'Recorded task',
    mode: 'interactive',
    visibility: 'private',
    participants: [requesterId],
  });
  const sessionId = created.session.id;
  const agent = await connectParticipant(created.livekitUrl, created.token);
  participants.push(agent);
  const host = await publishSyntheticVideo(agent.room, { width: 640, height: 360, fps: 30, name: 'agent-camera' });
  const tone = await publishTone(agent.room, { frequency: 440 });
  publications.push(host, tone);

  const recordingId = crypto.randomUUID();
  stored.push({ storage, recordingId });
  const token = await mintRecorderToken(stack.services.livekit, { sessionId, recordingId, ttlSec: 600 });
  const recorder = await pool.start({ recordingId, livekitUrl: created.livekitUrl, token });
  const startedAt = performance.now();

  // A start past the cap, or of the same recording again, is refused before anything spawns.
  let capacityRefusal: unknown;
  let duplicateRefusal: unknown;
  if (probePool) {
    capacityRefusal = await probePool.start({ recordingId: crypto.randomUUID(), livekitUrl: created.livekitUrl, token }).catch((e) => e);
    duplicateRefusal = await probePool.start({ recordingId, livekitUrl: created.livekitUrl, token }).catch((e) => e);
  }

  await eventually(() => recorder.stats().videoSources === 1, { what: 'the recorder to subscribe to the host', timeoutMs: 10_000 });
  const hostSeenAt = recorder.writtenSec;
  // Consent: the recorder's grant makes LiveKit flag the room as recorded, which every client sees.
  const roomRecorded = async () => (await stack.services.livekit.listRooms([sessionId]))[0]?.activeRecording;
  const flaggedWhileRecording = await eventually(roomRecorded, { what: 'LiveKit to flag the room as recorded' }).catch(() => false);
  // The hidden recorder is no participant anyone sees in golive's list, once its join webhook is in.
  await eventually(
    async () => {
      const rows = await stack.services.db
        .selectFrom('participant_connections')
        .select('identity')
        .where('session_id', '=', sessionId)
        .execute();
      return rows.some((r) => r.identity === recorderIdentity(recordingId));
    },
    { what: 'the recorder’s participant_joined webhook' },
  );
  const participantsWhileRecording = await stack.request<{ participants?: { userId: string; role: string }[] }>(
    'GET',
    `/v1/sessions/${sessionId}/participants`,
    { headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': agentId } },
  );
  await eventually(() => recorder.writtenSec >= Math.max(5, hostSeenAt + 4), { what: '5 s of recording', timeoutMs: 15_000 });

  // The requester comes on stage (an allowlisted participant of an interactive session is a guest).
  const joined = await api<Grant>('POST', `/v1/sessions/${sessionId}/join`, requesterId);
  assert.equal(joined.role, 'guest');
  const requester = await connectParticipant(joined.livekitUrl, joined.token);
  participants.push(requester);
  const guest = await publishSyntheticVideo(requester.room, { width: 640, height: 360, fps: 30, name: 'requester-camera' });
  publications.push(guest);
  await eventually(() => recorder.stats().videoSources === 2, { what: 'the recorder to subscribe to the requester', timeoutMs: 10_000 });
  const guestSeenAt = recorder.writtenSec;
  await eventually(() => recorder.writtenSec >= guestSeenAt + 3, { what: '3 s more of recording', timeoutMs: 10_000 });
  // The requester leaves: the host fills the frame again.
  await guest.stop();
  await requester.disconnect();
  await eventually(() => recorder.stats().videoSources === 1, { what: 'the recorder to drop the requester', timeoutMs: 10_000 });
  const guestGoneAt = recorder.writtenSec;
  await eventually(() => recorder.writtenSec >= guestGoneAt + 2, { what: '2 s more of recording', timeoutMs: 10_000 });

  const stopCalledAt = performance.now();
  const outcome = await recorder.stop();
  const recordedSec = (stopCalledAt - startedAt) / 1000;
  const unflaggedAfterStop = await eventually(async () => (await roomRecorded()) === false, { what: 'the flag to clear' }).catch(
    () => false,
  );
  await Promise.all([host.stop(), tone.stop()]);
  await agent.disconnect();

  const finalized = await finalizeRecording({
    storage,
    recordingId,
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    workDir: join(scratch, 'finalize'),
  });
  const file = join(scratch, `${recordingId}.mp4`);
  await download(storage, finalized.key, file);
  return {
    storage,
    recordingId,
    outcome,
    finalized,
    file,
    recordedSec,
    hostSeenAt,
    guestSeenAt,
    guestGoneAt,
    host,
    guest,
    capacityRefusal,
    duplicateRefusal,
    flaggedWhileRecording: flaggedWhileRecording === true,
    participantsWhileRecording,
    unflaggedAfterStop,
  };
}

const backends: { name: string; record: () => Promise<Run> }[] = [
  {
    name: 'local files (the recorders golive wired, capped at 1)',
    record: () => recordTaskSession(stack.services.recorders, stack.services.storage, stack.services.recorders),
  },
  {
    name: 'S3 (versitygw)',
    record: () => {
      const storage = new S3Storage(s3Server.storageConfig('golive'));
      const pool = new RecorderPool({ config: stack.config.recording, storage, logger: createLogger('warn') });
      return recordTaskSession(pool, storage);
    },
  },
];

for (const backend of backends) {
  describe(`recording a task session to ${backend.name}`, () => {
    let run: Run;
    before(async () => {
      run = await backend.record();
    });

    it('stops cleanly after writing every segment; finalize makes one MP4 of them and deletes them', async () => {
      assert.equal(run.outcome.reason, 'stopped');
      assert.equal(run.outcome.error, null);
      assert.equal(run.outcome.droppedFrames, 0, 'ffmpeg kept up');
      assert.ok(run.outcome.segments >= 4, `segments: ${run.outcome.segments}`);
      assert.equal(run.finalized.segments, run.outcome.segments, 'finalize used every stored segment');
      assert.deepEqual(await run.storage.list(recordingKeys(run.recordingId).segmentsPrefix), [], 'segments deleted');
      const stored = await run.storage.stat(run.finalized.key);
      assert.equal(stored?.sizeBytes, run.finalized.sizeBytes);
    });

    it('ffprobe finds H.264 video at the canvas size and AAC audio, faststart, and the duration within 1 s of the recorded time', async (t) => {
      const probe = await probeMedia('ffprobe', run.file);
      assert.deepEqual(
        probe.streams.map((s) => [s.type, s.codec]),
        [
          ['video', 'h264'],
          ['audio', 'aac'],
        ],
      );
      assert.deepEqual(run.finalized.video, { width: TEST_ENCODER.width, height: TEST_ENCODER.height });
      assert.ok(probe.formatName.includes('mp4'), probe.formatName);
      assert.ok(
        Math.abs(run.finalized.durationSec - run.recordedSec) <= 1,
        `duration ${run.finalized.durationSec} s vs recorded ${run.recordedSec.toFixed(2)} s`,
      );
      t.diagnostic(
        `recorded ${run.recordedSec.toFixed(2)} s, file ${run.finalized.durationSec.toFixed(3)} s, ${run.finalized.sizeBytes} bytes`,
      );
      // faststart: the index (moov) comes before the media (mdat).
      const head = readFileSync(run.file)
        .subarray(0, 64 * 1024)
        .toString('latin1');
      assert.ok(head.indexOf('moov') >= 0 && head.indexOf('moov') < head.indexOf('mdat'), 'moov before mdat');
    });

    it('the frames change over time: two frames 2 s apart carry the host’s frame numbers about 60 apart', async () => {
      const t1 = run.hostSeenAt + 1;
      const t2 = t1 + 2;
      assert.ok(t2 < run.guestSeenAt, 'both before the requester came on stage');
      const [first, second] = await Promise.all([stampAt(run.file, t1), stampAt(run.file, t2)]);
      assert.ok(first !== null && second !== null, `stamps ${first}, ${second}`);
      assert.ok(run.host.sentAt(first) !== undefined && run.host.sentAt(second) !== undefined, 'frames the host sent');
      assert.ok(Math.abs(second - first - 60) <= 15, `${second} - ${first} ≈ 60 frames at 30 fps`);
    });

    it('the layout follows the stage: the host full frame, the two side by side once the requester joins, the host alone again after they leave', async () => {
      const tiles = layoutStage(
        [
          { id: 'host', kind: 'camera', isHost: true },
          { id: 'guest', kind: 'camera', isHost: false },
        ],
        TEST_ENCODER,
      );
      const [left, right] = tiles.map((t) => t.rect);
      assert.ok(
        left && right && left.x + left.width <= TEST_ENCODER.width / 2 && right.x >= TEST_ENCODER.width / 2,
        'a left and a right tile',
      );
      const before = run.hostSeenAt + 1;
      const afterJoin = run.guestSeenAt + 2;
      assert.notEqual(await stampAt(run.file, before), null, 'before: one picture fills the frame');
      const [whole, inLeft, inRight] = await Promise.all([
        stampAt(run.file, afterJoin),
        stampAt(run.file, afterJoin, left),
        stampAt(run.file, afterJoin, right),
      ]);
      assert.equal(whole, null, 'after: the frame is no longer one full picture');
      assert.ok(inLeft !== null && inRight !== null, `after: a picture in each tile (${inLeft}, ${inRight})`);
      assert.ok(run.host.sentAt(inLeft) !== undefined, 'the host on the left (host first)');
      assert.ok(inLeft > inRight, 'the host has sent more frames than the requester who joined later');
      const afterLeaving = await stampAt(run.file, run.guestGoneAt + 1);
      assert.ok(
        afterLeaving !== null && run.host.sentAt(afterLeaving) !== undefined,
        'after the requester left: the host full frame again',
      );
    });

    it('LiveKit flags the room as recorded while the recorder is in it (every client sees it), and clears the flag after', () => {
      assert.equal(run.flaggedWhileRecording, true);
      assert.equal(run.unflaggedAfterStop, true);
    });

    it('the hidden recorder is not in the session’s participant list, for the host either', () => {
      const { status, body } = run.participantsWhileRecording;
      assert.equal(status, 200, JSON.stringify(body));
      const items = (body as { participants: { userId: string; role: string }[] }).participants;
      assert.ok(items.some((p) => p.role === 'host'));
      assert.ok(!items.some((p) => p.userId === recorderIdentity(run.recordingId) || p.role === 'recorder'), JSON.stringify(items));
    });

    it('the host’s microphone tone is in the mixed audio', async () => {
      const db = await meanVolumeDb(run.file, run.hostSeenAt + 1, 2);
      // A 0.3 full-scale sine is about -13.5 dBFS; silence would be -91 or -inf.
      assert.ok(db > -25, `mean volume ${db} dB`);
    });

    it('the playback URL plays: ffprobe reads the MP4 through it, and a Range request answers 206', async () => {
      const { url } = await run.storage.presign(run.finalized.key, 900);
      const probe = await probeMedia('ffprobe', url);
      assert.ok(Math.abs(probe.durationSec - run.finalized.durationSec) < 0.1);
      const res = await fetch(url, { headers: { range: 'bytes=0-1023' } });
      assert.equal(res.status, 206);
      assert.equal((await res.arrayBuffer()).byteLength, 1024);
    });

    if (backend.name.startsWith('local')) {
      it('past RECORDING_MAX_CONCURRENT a start is refused with RECORDER_CAPACITY, and the same recording twice with RECORDING_RUNNING', () => {
        const capacity = run.capacityRefusal as { code?: string; statusCode?: number; message?: string };
        assert.deepEqual([capacity.code, capacity.statusCode], ['RECORDER_CAPACITY', 503]);
        assert.match(capacity.message ?? '', /RECORDING_MAX_CONCURRENT/);
        const duplicate = run.duplicateRefusal as { code?: string; statusCode?: number };
        assert.deepEqual([duplicate.code, duplicate.statusCode], ['RECORDING_RUNNING', 409]);
      });
    }
  });
}

describe('recording a meeting with a screen share (local files)', () => {
  it('the screen takes the big slot, whole, and the camera goes to the strip on the right', async () => {
    const hostId = uniqueUser('host');
    const created = await api<Grant>('POST', '/v1/sessions', hostId, {
      title: 'Recorded meeting',
      mode: 'broadcast',
      visibility: 'public',
    });
    const sessionId = created.session.id;
    const host = await connectParticipant(created.livekitUrl, created.token);
    participants.push(host);
    const cameraVideo = await publishSyntheticVideo(host.room, { width: 640, height: 360, fps: 30, name: 'camera' });
    const screenVideo = await publishSyntheticVideo(host.room, {
      width: 640,
      height: 360,
      fps: 30,
      name: 'screen',
      source: TrackSource.SOURCE_SCREENSHARE,
    });
    publications.push(cameraVideo, screenVideo);

    const recordingId = crypto.randomUUID();
    stored.push({ storage: stack.services.storage, recordingId });
    const token = await mintRecorderToken(stack.services.livekit, { sessionId, recordingId, ttlSec: 600 });
    const recorder = await stack.services.recorders.start({ recordingId, livekitUrl: created.livekitUrl, token });
    await eventually(() => recorder.stats().videoSources === 2, {
      what: 'the recorder to subscribe to camera and screen',
      timeoutMs: 10_000,
    });
    const bothAt = recorder.writtenSec;
    await eventually(() => recorder.writtenSec >= bothAt + 3, { what: '3 s of recording', timeoutMs: 10_000 });
    await recorder.stop();
    await Promise.all([cameraVideo.stop(), screenVideo.stop()]);
    const finalized = await finalizeRecording({
      storage: stack.services.storage,
      recordingId,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      workDir: join(scratch, 'finalize'),
    });
    const file = join(scratch, `${recordingId}.mp4`);
    await download(stack.services.storage, finalized.key, file);

    const [main, strip] = layoutStage(
      [
        { id: 'camera', kind: 'camera', isHost: true },
        { id: 'screen', kind: 'screen', isHost: false },
      ],
      TEST_ENCODER,
    );
    assert.ok(
      main && strip && main.id === 'screen' && strip.rect.x > main.rect.x + main.rect.width,
      'screen on the left, camera to its right',
    );
    const at = bothAt + 2;
    const [inMain, inStrip] = await Promise.all([stampAt(file, at, containRect(640, 360, main.rect)), stampAt(file, at, strip.rect)]);
    assert.ok(inMain !== null && screenVideo.sentAt(inMain) !== undefined, `the screen share in the big slot (stamp ${inMain})`);
    assert.ok(inStrip !== null && cameraVideo.sentAt(inStrip) !== undefined, `the camera in the strip (stamp ${inStrip})`);
    assert.ok(main.rect.width * main.rect.height > 5 * strip.rect.width * strip.rect.height, 'the screen large, the camera small');
  });
});
