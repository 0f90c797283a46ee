// The P5 clients: rtc-node viewers that take turns on stage, a watcher, and the host's HTTP calls,
// in one process apart from golive, so the approve request and the guest's Room share one clock.
import { ConnectionState, type Participant, RoomEvent } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { participantState, ROLE_ATTRIBUTE } from '../../server/src/sessions/grants.ts';
import { DEFAULT_SETTINGS } from '../../server/src/sessions/settings.ts';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  waitForDecodedFrames,
} from '../../server/test/media.ts';
import { serveParent } from '../lib/ipc.ts';
import type { StageSample, StageSampleJob, StageSetupJob } from './media-jobs.ts';

const ROLE_TIMEOUT_MS = 5_000;

type Viewer = { userId: string; bearer: string; media: MediaParticipant };
let setup: StageSetupJob | undefined;
let rooms: RoomServiceClient | undefined;
let viewers: Viewer[] = [];
let watcher: MediaParticipant | undefined;

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

async function joinAndConnect(bearer: string, autoSubscribe: boolean): Promise<MediaParticipant> {
  if (!setup) throw new Error('setup first');
  const grant = await http<{ token: string; livekitUrl: string; role: string }>('POST', `/v1/sessions/${setup.sessionId}/join`, bearer);
  if (grant.status !== 200 || grant.body.role !== 'viewer') throw new Error(`join failed: ${grant.status} ${JSON.stringify(grant.body)}`);
  return connectParticipant(grant.body.livekitUrl, grant.body.token, { autoSubscribe });
}

/** Resolves with performance.now() when `media`'s own participant has golive.role = `role`. */
function roleReached(media: MediaParticipant, role: string): { promise: Promise<number>; cancel: () => void } {
  let cancel = () => {};
  const promise = new Promise<number>((resolve, reject) => {
    const onChange = (changed: Record<string, string>, participant: Participant) => {
      if (participant.identity === media.identity && changed[ROLE_ATTRIBUTE] === role) {
        cleanup();
        resolve(performance.now());
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${media.identity} did not see golive.role = ${role} within ${ROLE_TIMEOUT_MS} ms`));
    }, ROLE_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      media.room.off(RoomEvent.ParticipantAttributesChanged, onChange);
    };
    cancel = cleanup;
    media.room.on(RoomEvent.ParticipantAttributesChanged, onChange);
  });
  return { promise, cancel };
}

/** What golive's LivekitAdapter.updateParticipant sends for a role, sent straight to the room service. */
async function updateDirectly(identity: string, role: 'guest' | 'viewer'): Promise<void> {
  if (!setup || !rooms) throw new Error('setup first');
  const { grant, metadata, attributes } = participantState(role, setup.sessionId, DEFAULT_SETTINGS.guestCanPublish);
  await rooms.updateParticipant(setup.sessionId, identity, {
    permission: {
      canSubscribe: grant.canSubscribe ?? false,
      canPublish: grant.canPublish ?? false,
      canPublishData: grant.canPublishData ?? false,
      canPublishSources: grant.canPublishSources ?? [],
      hidden: grant.hidden ?? false,
      canUpdateMetadata: grant.canUpdateOwnMetadata ?? false,
    },
    metadata,
    attributes,
  });
}

async function sample(job: StageSampleJob): Promise<StageSample> {
  if (!setup) throw new Error('setup first');
  const viewer = viewers[job.viewerIndex % viewers.length];
  if (!viewer) throw new Error('no viewers');
  const { sessionId, hostBearer } = setup;
  const sidBefore = viewer.media.room.localParticipant?.sid;
  let requestId = '';
  if (job.arm === 'golive') {
    const ask = await http<{ id: string; status: string }>('POST', `/v1/sessions/${sessionId}/stage/requests`, viewer.bearer);
    if (ask.status !== 201 || ask.body.status !== 'pending') throw new Error(`ask failed: ${ask.status} ${JSON.stringify(ask.body)}`);
    requestId = ask.body.id;
  }

  const live = roleReached(viewer.media, 'guest');
  const sentAt = performance.now();
  let answeredAt: number;
  try {
    if (job.arm === 'golive') {
      const approve = await http<{ status: string }>('POST', `/v1/sessions/${sessionId}/stage/requests/${requestId}/approve`, hostBearer);
      answeredAt = performance.now();
      if (approve.status !== 200 || approve.body.status !== 'approved')
        throw new Error(`approve failed: ${approve.status} ${JSON.stringify(approve.body)}`);
    } else {
      await updateDirectly(viewer.userId, 'guest');
      answeredAt = performance.now();
    }
  } catch (error) {
    live.cancel();
    throw error;
  }
  const liveAt = await live.promise;
  const result: StageSample = { arm: job.arm, liveMs: liveAt - sentAt, answeredMs: answeredAt - sentAt };

  if (job.verifyPublish) {
    if (!watcher) throw new Error('no watcher');
    const publishStartedAt = performance.now();
    const video = await publishSyntheticVideo(viewer.media.room, { width: 320, height: 180, fps: 15, name: 'stage-bench' });
    try {
      const seen = await waitForDecodedFrames(watcher.room, { fromIdentity: viewer.userId, count: 1 });
      result.publish = {
        publishMs: video.publishMs,
        watcherFirstFrameMs: (seen.frames[0]?.receivedAt ?? Number.NaN) - (publishStartedAt + video.publishMs),
        sameConnection:
          viewer.media.room.connectionState === ConnectionState.CONN_CONNECTED && viewer.media.room.localParticipant?.sid === sidBefore,
      };
    } finally {
      await video.stop();
      const sid = video.publication.sid;
      if (sid) await viewer.media.room.localParticipant?.unpublishTrack(sid);
    }
  }

  // Back to viewer, untimed, so the next sample starts from the same state.
  const back = roleReached(viewer.media, 'viewer');
  try {
    if (job.arm === 'golive') {
      const demote = await http('PUT', `/v1/sessions/${sessionId}/participants/${viewer.userId}/role`, hostBearer, { role: 'viewer' });
      if (demote.status !== 200) throw new Error(`demote failed: ${demote.status} ${JSON.stringify(demote.body)}`);
    } else {
      await updateDirectly(viewer.userId, 'viewer');
    }
  } catch (error) {
    back.cancel();
    throw error;
  }
  await back.promise;
  return result;
}

serveParent(
  {},
  {
    setup: async (payload) => {
      setup = payload as StageSetupJob;
      rooms = new RoomServiceClient(setup.livekit.apiUrl, setup.livekit.apiKey, setup.livekit.apiSecret);
      watcher = await joinAndConnect(setup.watcher.bearer, true);
      viewers = [];
      for (const v of setup.viewers) viewers.push({ ...v, media: await joinAndConnect(v.bearer, false) });
      return { connected: viewers.length + 1 };
    },
    sample: (payload) => sample(payload as StageSampleJob),
    stop: async () => {
      await disposeMediaRuntime([...viewers.map((v) => v.media), ...(watcher ? [watcher] : [])]);
    },
  },
);
