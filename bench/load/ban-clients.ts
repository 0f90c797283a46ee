// The effects clients: viewers that get banned (through golive) or removed (straight through the
// room service), and a banned viewer's reconnect with its old token, in one process apart from
// golive so that the ban request and the viewer's Room share one clock.
import { RoomServiceClient } from 'livekit-server-sdk';
import { connectParticipant, disposeMediaRuntime, type MediaParticipant } from '../../server/test/media.ts';
import { serveParent } from '../lib/ipc.ts';
import type { BanSample, BanSampleJob, BanSetupJob } from './media-jobs.ts';

const TIMEOUT_MS = 10_000;
let setup: BanSetupJob | undefined;
let rooms: RoomServiceClient | undefined;
const open: MediaParticipant[] = [];

async function http<T>(method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: T }> {
  if (!setup) throw new Error('setup first');
  const res = await fetch(`${setup.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function disconnectedWithin(media: MediaParticipant, what: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      media.disconnected,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not happen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return performance.now();
  } finally {
    clearTimeout(timer);
  }
}

async function sample(job: BanSampleJob): Promise<BanSample> {
  if (!setup || !rooms) throw new Error('setup first');
  const { sessionId, hostBearer } = setup;
  const grant = await http<{ token: string; livekitUrl: string }>('POST', `/v1/sessions/${sessionId}/join`, job.viewer.bearer);
  if (grant.status !== 200) throw new Error(`join failed: ${grant.status} ${JSON.stringify(grant.body)}`);
  const viewer = await connectParticipant(grant.body.livekitUrl, grant.body.token, { autoSubscribe: false });
  open.push(viewer);
  const sentAt = performance.now();
  let answeredAt: number;
  if (job.arm === 'golive') {
    const ban = await http('POST', `/v1/sessions/${sessionId}/bans`, hostBearer, { userId: job.viewer.userId });
    answeredAt = performance.now();
    if (ban.status !== 201) throw new Error(`ban failed: ${ban.status} ${JSON.stringify(ban.body)}`);
  } else {
    await rooms.removeParticipant(sessionId, job.viewer.userId);
    answeredAt = performance.now();
  }
  const removedAt = await disconnectedWithin(viewer, 'the removal');
  const result: BanSample = { arm: job.arm, removedMs: removedAt - sentAt, answeredMs: answeredAt - sentAt };
  if (job.arm === 'golive') {
    // A reconnect with the still-valid pre-ban token: LiveKit lets it in; golive must remove it.
    const again = await connectParticipant(grant.body.livekitUrl, grant.body.token, { autoSubscribe: false });
    open.push(again);
    const connectedAt = performance.now();
    result.reconnectRemovedMs = (await disconnectedWithin(again, 'the banned reconnect’s removal')) - connectedAt;
    const unban = await http('DELETE', `/v1/sessions/${sessionId}/bans/${job.viewer.userId}`, hostBearer);
    if (unban.status !== 204) throw new Error(`unban failed: ${unban.status}`);
  }
  return result;
}

serveParent(
  {},
  {
    setup: async (payload) => {
      setup = payload as BanSetupJob;
      rooms = new RoomServiceClient(setup.livekit.apiUrl, setup.livekit.apiKey, setup.livekit.apiSecret);
      return {};
    },
    sample: (payload) => sample(payload as BanSampleJob),
    stop: async () => {
      await disposeMediaRuntime(open);
    },
  },
);
