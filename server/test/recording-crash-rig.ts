// What the kill -9 recording tests share on a CrashRig: golive with the test encoder, a private
// interactive session whose host publishes picture and sound from this process, the moment the
// worker's recorder started, and the wait for the adopted recording to be finalized.
import assert from 'node:assert/strict';
import type { CrashRig } from './crash-rig.ts';
import type { Golive } from './golive-process.ts';
import { eventually, uniqueUser, userToken } from './harness.ts';
import { connectParticipant, type MediaParticipant, publishSyntheticVideo, publishTone } from './media.ts';
import { TEST_ENCODER } from './recording-media.ts';

type Grant = { token: string; livekitUrl: string; session: { id: string } };
export type CrashedRecording = {
  id: string;
  status: string;
  startedAt: string;
  durationSec: number | null;
  interrupted: boolean;
  error?: string;
};

export function recordingGolive(rig: CrashRig, env: Record<string, string> = {}): Promise<Golive> {
  return rig.golive({
    RECORDING_WIDTH: String(TEST_ENCODER.width),
    RECORDING_HEIGHT: String(TEST_ENCODER.height),
    RECORDING_SEGMENT_SEC: String(TEST_ENCODER.segmentSec),
    RECORDING_THREADS: String(TEST_ENCODER.threads),
    ...env,
  });
}

/** A live session with a requester invited; its host publishes 640×360 video and a tone until `stops` run. */
export async function publishingSession(
  rig: CrashRig,
  title: string,
  cleanup: { media: MediaParticipant[]; stops: (() => Promise<void>)[] },
): Promise<{ sessionId: string; hostToken: string; requester: string }> {
  const hostToken = await userToken(uniqueUser('agent'));
  const requester = uniqueUser('requester');
  const created = await rig.call<Grant>('POST', '/v1/sessions', hostToken, {
    title,
    mode: 'interactive',
    visibility: 'private',
    participants: [requester],
  });
  assert.equal(created.status, 201);
  const host = await connectParticipant(created.body.livekitUrl, created.body.token);
  cleanup.media.push(host);
  const video = await publishSyntheticVideo(host.room, { width: 640, height: 360, fps: 30, name: 'agent-camera' });
  const tone = await publishTone(host.room, { frequency: 440 });
  cleanup.stops.push(
    () => video.stop(),
    () => tone.stop(),
  );
  return { sessionId: created.body.session.id, hostToken, requester };
}

/** The recording's time 0: the worker writes it, with its instance, when the recorder's first frame is in. */
export async function recorderStartedAt(rig: CrashRig, recordingId: string): Promise<number> {
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
  return row.started_at.getTime();
}

/** The lost recording, once a worker of the restarted golive has finalized it (never failed). */
export async function finalizedAfterRestart(
  rig: CrashRig,
  sessionId: string,
  recordingId: string,
  hostToken: string,
): Promise<CrashedRecording> {
  return eventually(
    async () => {
      const list = await rig.call<{ items: CrashedRecording[] }>('GET', `/v1/sessions/${sessionId}/recordings`, hostToken);
      const item = list.body.items.find((r) => r.id === recordingId);
      assert.notEqual(item?.status, 'failed', JSON.stringify(item));
      return item?.status === 'ready' ? item : undefined;
    },
    { what: 'the lost recording to be finalized after the restart', timeoutMs: 60_000, intervalMs: 500 },
  );
}
