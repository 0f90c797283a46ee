// Sessions with a synthetic publisher and viewers that join through golive, for the P6 scenarios.
import type { BenchStack } from '../lib/stack.ts';
import type { Published, Subscribed } from '../load/media-jobs.ts';
import { requestJson, userTokens } from './http.ts';
import type { MediaChild, Stream } from './media-frames.ts';

export type Video = { width: number; height: number; fps: number };

export const fmtVideo = (v: Video) => `${v.width}×${v.height}@${v.fps}`;

/** golive, the publishing client process and the subscribing ones. */
export type MediaContext = { stack: BenchStack; publisher: MediaChild; subscriberChildren: MediaChild[] };

/** `startMs`: the POST /v1/sessions that started it, as the host app saw it. */
export type LiveStream = Stream & { sessionId: string; hostToken: string; startMs: number };

/** Starts a session through golive and has the publisher process publish in it with the host's grant. */
export async function publishingSession(m: MediaContext, hostPrefix: string, key: string, video: Video): Promise<LiveStream> {
  const [host] = await userTokens(hostPrefix, 1);
  if (!host) throw new Error('no host token');
  const started = performance.now();
  const created = await requestJson<{ token: string; livekitUrl: string; session: { id: string } }>(
    'POST',
    `${m.stack.baseUrl}/v1/sessions`,
    host.token,
    { title: 'P6 media benchmark', mode: 'broadcast', visibility: 'public' },
  );
  const startMs = performance.now() - started;
  if (created.status !== 201) throw new Error(`could not start a P6 session: ${created.status} ${JSON.stringify(created.body)}`);
  const published = await m.publisher.child.call<Published>('publish', {
    key,
    livekitUrl: created.body.livekitUrl,
    token: created.body.token,
    ...video,
  });
  return { publisher: m.publisher, key, identity: published.identity, sessionId: created.body.session.id, hostToken: host.token, startMs };
}

/** Viewers that join through golive and subscribe, spread over the subscriber processes, four at a time per process. */
export async function addSubscribers(
  m: MediaContext,
  joins: { sessionId: string; fromIdentity: string; userId: string; bearer: string }[],
): Promise<Subscribed[]> {
  const count = m.subscriberChildren.length;
  const results = await Promise.all(
    m.subscriberChildren.map(async (sub, i) => {
      const mine = joins.filter((_, j) => j % count === i);
      const done: Subscribed[] = [];
      for (let k = 0; k < mine.length; k += 4) {
        const batch = mine.slice(k, k + 4).map((j) =>
          sub.child.call<Subscribed>('subscribe', {
            key: j.userId,
            fromIdentity: j.fromIdentity,
            via: { golive: { baseUrl: m.stack.baseUrl, sessionId: j.sessionId, bearer: j.bearer } },
          }),
        );
        done.push(...(await Promise.all(batch)));
      }
      return done;
    }),
  );
  return results.flat();
}

/** Every client leaves, and the sessions end. */
export async function endAll(m: MediaContext, streams: LiveStream[]): Promise<void> {
  await Promise.all([m.publisher, ...m.subscriberChildren].map((c) => c.child.call('disconnectAll')));
  for (const s of streams) await requestJson('POST', `${m.stack.baseUrl}/v1/sessions/${s.sessionId}/end`, s.hostToken);
}
