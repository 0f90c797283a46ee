// A P6 media client process: rtc-node publishers and subscribers, apart from golive and
// livekit-server, so their CPU (encoding, decoding, copying frames into JavaScript) is measured
// on its own. Times sent back are epoch milliseconds on this process's clock
// (performance.timeOrigin + performance.now()); the orchestrator corrects them with `clock`.
import { type RemoteVideoTrack, TrackKind, VideoStream } from '@livekit/rtc-node';
import {
  connectParticipant,
  disposeMediaRuntime,
  type MediaParticipant,
  publishSyntheticVideo,
  publishTone,
  readFrameStamp,
  type SyntheticVideo,
  type Tone,
  waitForDecodedFrames,
} from '../../server/test/media.ts';
import { serveParent } from '../lib/ipc.ts';
import type {
  DecodedSoFar,
  FirstFrameJob,
  FirstFrameSample,
  FramesQuery,
  Published,
  PublishJob,
  ReceivedFrames,
  SentTimesQuery,
  Subscribed,
  SubscribeJob,
} from './media-jobs.ts';

/** Frames kept per subscriber: a few windows at 30 fps. */
const RING = 4096;
const epoch = (t: number) => performance.timeOrigin + t;

type Publisher = { media: MediaParticipant; video: SyntheticVideo; tone: Tone | null };
type Subscriber = {
  media: MediaParticipant;
  fromIdentity: string;
  /** [sequence, receivedAt epoch ms], a ring of the last RING frames. */
  seqs: Int32Array;
  times: Float64Array;
  count: number;
  unreadable: number;
  /** The size of the last decoded frame (what LiveKit forwards, after any adaptation by the encoder). */
  width: number;
  height: number;
  reading: Promise<void>;
  stop: () => void;
};
const publishers = new Map<string, Publisher>();
const subscribers = new Map<string, Subscriber>();

async function join(via: SubscribeJob['via']): Promise<{ token: string; livekitUrl: string; joinMs: number }> {
  if (!('golive' in via)) return { token: via.token, livekitUrl: via.livekitUrl, joinMs: 0 };
  const { baseUrl, sessionId, bearer } = via.golive;
  const started = performance.now();
  const res = await fetch(`${baseUrl}/v1/sessions/${sessionId}/join`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } });
  const body = (await res.json()) as { token: string; livekitUrl: string };
  if (res.status !== 200) throw new Error(`join failed: ${res.status} ${JSON.stringify(body)}`);
  return { token: body.token, livekitUrl: body.livekitUrl, joinMs: performance.now() - started };
}

async function publish(job: PublishJob): Promise<Published> {
  const media = await connectParticipant(job.livekitUrl, job.token, { autoSubscribe: false });
  const video = await publishSyntheticVideo(media.room, { width: job.width, height: job.height, fps: job.fps });
  const tone = job.tone ? await publishTone(media.room) : null;
  publishers.set(job.key, { media, video, tone });
  return { key: job.key, identity: media.identity, publishMs: video.publishMs, connectMs: media.connectMs };
}

function videoTrackOf(media: MediaParticipant, fromIdentity: string): RemoteVideoTrack {
  for (const publication of media.room.remoteParticipants.get(fromIdentity)?.trackPublications.values() ?? []) {
    if (publication.kind === TrackKind.KIND_VIDEO && publication.track) return publication.track as RemoteVideoTrack;
  }
  throw new Error(`no subscribed video track from ${fromIdentity}`);
}

/** Connects, waits for the first decoded frame, then reads every frame until stopped. */
async function subscribe(job: SubscribeJob): Promise<Subscribed> {
  const grant = await join(job.via);
  const media = await connectParticipant(grant.livekitUrl, grant.token);
  const connectedAt = performance.now();
  const first = await waitForDecodedFrames(media.room, { fromIdentity: job.fromIdentity, count: 1, timeoutMs: 20_000 });
  const reader = new VideoStream(videoTrackOf(media, job.fromIdentity)).getReader();
  const sub: Subscriber = {
    media,
    fromIdentity: job.fromIdentity,
    seqs: new Int32Array(RING).fill(-1),
    times: new Float64Array(RING),
    count: 0,
    unreadable: 0,
    width: 0,
    height: 0,
    reading: Promise.resolve(),
    stop: () => void reader.cancel().catch(() => {}),
  };
  sub.reading = (async () => {
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) return;
      const receivedAt = epoch(performance.now());
      sub.width = next.value.frame.width;
      sub.height = next.value.frame.height;
      const stamp = readFrameStamp(next.value.frame);
      if (stamp === null) {
        sub.unreadable++;
        continue;
      }
      sub.seqs[sub.count % RING] = stamp;
      sub.times[sub.count % RING] = receivedAt;
      sub.count++;
    }
  })();
  subscribers.set(job.key, sub);
  return {
    key: job.key,
    identity: media.identity,
    joinMs: grant.joinMs,
    connectMs: media.connectMs,
    firstFrameMs: (first.frames[0]?.receivedAt ?? Number.NaN) - connectedAt,
  };
}

async function firstFrame(job: FirstFrameJob): Promise<FirstFrameSample> {
  const started = performance.now();
  const grant = await join(job.via);
  const media = await connectParticipant(grant.livekitUrl, grant.token);
  try {
    const seen = await waitForDecodedFrames(media.room, { fromIdentity: job.fromIdentity, count: 1, timeoutMs: 20_000 });
    const frameAt = seen.frames[0]?.receivedAt ?? Number.NaN;
    const connectedAt = started + grant.joinMs + media.connectMs;
    const sample: FirstFrameSample = {
      totalMs: frameAt - started,
      joinMs: grant.joinMs,
      connectMs: media.connectMs,
      subscribeMs: seen.subscribedAt - connectedAt,
      firstFrameMs: frameAt - seen.subscribedAt,
    };
    // Every sample in this child's log (bench/results/<name>.log), to look into outliers.
    console.log(JSON.stringify({ firstFrame: job.key, via: 'golive' in job.via ? 'golive' : 'direct', url: grant.livekitUrl, ...sample }));
    return sample;
  } finally {
    await media.disconnect();
  }
}

function frames(query: FramesQuery): ReceivedFrames {
  return [...subscribers.entries()].flatMap(([key, sub]) => {
    const range = query.ranges[sub.fromIdentity];
    if (!range) return [];
    const out: [number, number][] = [];
    for (let i = Math.max(0, sub.count - RING); i < sub.count; i++) {
      const seq = sub.seqs[i % RING] ?? -1;
      if (seq >= range[0] && seq < range[1]) out.push([seq, sub.times[i % RING] ?? Number.NaN]);
    }
    return [{ key, fromIdentity: sub.fromIdentity, frames: out, unreadable: sub.unreadable }];
  });
}

function sentTimes(query: SentTimesQuery): number[] {
  const publisher = publishers.get(query.key);
  if (!publisher) throw new Error(`no publisher ${query.key}`);
  return Array.from({ length: Math.max(0, query.to - query.from) }, (_, i) => {
    const at = publisher.video.sentAt(query.from + i);
    return at === undefined ? Number.NaN : epoch(at);
  });
}

async function disconnectAll(): Promise<void> {
  for (const sub of subscribers.values()) sub.stop();
  await Promise.allSettled([...subscribers.values()].map((s) => s.reading));
  for (const p of publishers.values()) await Promise.all([p.video.stop(), p.tone?.stop()]);
  await Promise.allSettled([...subscribers.values(), ...publishers.values()].map((p) => p.media.disconnect()));
  subscribers.clear();
  publishers.clear();
}

serveParent(
  {},
  {
    clock: () => epoch(performance.now()),
    publish: (payload) => publish(payload as PublishJob),
    /** Frames sent so far by each publisher: the next sequence number. */
    marks: () => Object.fromEntries([...publishers.entries()].map(([key, p]) => [key, p.video.framesSent()])),
    sentTimes: (payload) => sentTimes(payload as SentTimesQuery),
    subscribe: (payload) => subscribe(payload as SubscribeJob),
    frames: (payload) => frames(payload as FramesQuery),
    /** Per subscriber: every frame decoded so far (stamped or not) and the size of the last one. */
    decoded: (): DecodedSoFar =>
      [...subscribers.entries()].map(([key, sub]) => ({ key, frames: sub.count + sub.unreadable, width: sub.width, height: sub.height })),
    firstFrame: (payload) => firstFrame(payload as FirstFrameJob),
    disconnectAll,
    stop: async () => {
      await disconnectAll();
      await disposeMediaRuntime();
    },
  },
);
