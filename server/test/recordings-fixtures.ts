// Shared by the recordings API tests: a test stack on local files or S3 (versitygw), a client
// acting as a user through the app's API key, a task session whose agent publishes changing video
// and a tone with rtc-node, and waiting for a recording's status. Cleanup runs in after().
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { eventually, TEST_API_KEY, TestStack, uniqueUser } from './harness.ts';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant, publishSyntheticVideo, publishTone } from './media.ts';
import { TEST_ENCODER } from './recording-media.ts';
import { type S3TestServer, startVersitygw } from './versitygw.ts';

export type Grant = { token: string; livekitUrl: string; role: string; session: { id: string } };
export type RecordingBody = {
  id: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationSec: number | null;
  sizeBytes: number | null;
  interrupted: boolean;
  error?: string;
  visibility: string;
};

export const scratch = mkdtempSync(join(tmpdir(), 'golive-recordings-api-'));
export const participants: MediaParticipant[] = [];
export const stops: (() => Promise<void>)[] = [];
let s3Server: S3TestServer;

before(async () => {
  s3Server = await startVersitygw();
});
after(async () => {
  await Promise.allSettled(stops.map((stop) => stop()));
  await s3Server?.stop();
  await disposeMediaRuntime(participants);
  rmSync(scratch, { recursive: true, force: true });
});

const ENCODER_ENV = {
  RECORDING_MAX_CONCURRENT: '2',
  RECORDING_WIDTH: String(TEST_ENCODER.width),
  RECORDING_HEIGHT: String(TEST_ENCODER.height),
  RECORDING_SEGMENT_SEC: String(TEST_ENCODER.segmentSec),
  RECORDING_THREADS: String(TEST_ENCODER.threads),
};

export async function startStack(kind: 'local' | 's3'): Promise<TestStack> {
  const storageEnv: Record<string, string> =
    kind === 's3'
      ? {
          GOLIVE_STORAGE_URL: `s3://${s3Server.bucket}/api-test`,
          GOLIVE_S3_ENDPOINT: s3Server.endpoint,
          GOLIVE_S3_ACCESS_KEY_ID: s3Server.accessKeyId,
          GOLIVE_S3_SECRET_ACCESS_KEY: s3Server.secretAccessKey,
        }
      : { GOLIVE_STORAGE_URL: `file://${join(scratch, 'files')}` };
  const stack = await TestStack.start({ env: { ...ENCODER_ENV, ...storageEnv, RECORDING_WORK_DIR: join(scratch, `work-${kind}`) } });
  stops.push(async () => {
    await stack.services.recorders.stopAll();
    await stack.stop();
  });
  return stack;
}

export function client(stack: TestStack) {
  return async <T>(method: string, path: string, userId: string | null, body?: unknown) => {
    const headers: Record<string, string> = { 'x-api-key': TEST_API_KEY };
    if (userId) headers['x-golive-user'] = userId;
    return stack.request<T>(method, path, { headers, body });
  };
}

/** A task session with the agent publishing a 640×360 picture that changes every frame, and a tone. */
export async function taskSession(stack: TestStack, body: Record<string, unknown> = {}) {
  const api = client(stack);
  const agentId = uniqueUser('agent');
  const requesterId = uniqueUser('requester');
  const created = await api<Grant>('POST', '/v1/sessions', agentId, {
    title: 'Recorded task',
    mode: 'interactive',
    visibility: 'private',
    participants: [requesterId],
    ...body,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const grant = created.body;
  const agent = await connectParticipant(grant.livekitUrl, grant.token);
  participants.push(agent);
  const video = await publishSyntheticVideo(agent.room, { width: 640, height: 360, fps: 30, name: 'agent-camera' });
  const tone = await publishTone(agent.room, { frequency: 440 });
  stops.unshift(async () => {
    await Promise.allSettled([video.stop(), tone.stop()]);
    await agent.disconnect();
  });
  return { sessionId: grant.session.id, agentId, requesterId, agent, video };
}

export async function waitForStatus(stack: TestStack, sessionId: string, recordingId: string, userId: string, status: string) {
  const api = client(stack);
  return eventually(
    async () => {
      const list = await api<{ items: RecordingBody[] }>('GET', `/v1/sessions/${sessionId}/recordings`, userId);
      const item = list.body.items.find((r) => r.id === recordingId);
      return item?.status === status ? item : undefined;
    },
    { what: `recording ${recordingId} to be ${status}`, timeoutMs: 30_000 },
  );
}
