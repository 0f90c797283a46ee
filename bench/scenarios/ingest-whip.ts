// Ingest (issue 13): glass-to-glass over WHIP through golive's proxy, against the same browser
// publishing the same canvas with LiveKit's own client SDK, in the same run and the same page.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../e2e/browser.ts';
import { installStampedCanvas, pageClockOffset } from '../../e2e/stamped-canvas.ts';
import { whipInPage } from '../../e2e/whip-client.ts';
import { ingestIdentity } from '../../server/src/ingest/ingest-participant.ts';
import { measurementOf, pairedRatio } from '../lib/measure.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { summarizeLatencies } from '../lib/stats.ts';
import type { ReceivedFrames } from '../load/media-jobs.ts';
import { requestJson, userTokens } from './http.ts';
import { type MediaChild, startMediaChild } from './media-frames.ts';
import { addSubscribers } from './media-session.ts';
import type { Figures, Scenario } from './types.ts';

const VIDEO = { width: 640, height: 360, fps: 30 };
const GLASS_P95_TARGET_MS = 150;
const RATIO_TARGET = 1.2;
const LIVEKIT_CLIENT = join(BENCH_ROOT, '../node_modules/livekit-client/dist/livekit-client.esm.mjs');

type Arm = 'whip' | 'browser';

/** A blank page and livekit-client's ESM build, on localhost (a secure origin for media). */
async function servePage(): Promise<{ url: string; close: () => Promise<void> }> {
  const client = readFileSync(LIVEKIT_CLIENT);
  const server = createServer((req, res) => {
    if (req.url === '/livekit-client.mjs') res.writeHead(200, { 'content-type': 'text/javascript' }).end(client);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ingest bench</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no page port');
  return { url: `http://localhost:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The first codec of the answer's video m-line: the one the WHIP publisher sends. */
function answeredVideoCodec(sdp: string): string {
  const video = sdp.split(/\r?\nm=/).find((section) => section.startsWith('video'));
  const payload = video?.split(/[ \r\n]+/)[3];
  const rtpmap = video?.match(new RegExp(`a=rtpmap:${payload} ([^\\r\\n]+)`));
  return rtpmap?.[1] ?? 'unknown';
}

/** The browser arm: livekit-client in the page publishes the stamped canvas as the host's camera. */
async function publishWithLivekitClient(page: Page, livekitUrl: string, token: string): Promise<void> {
  await page.evaluate(
    async ({ livekitUrl, token }) => {
      const { Room, Track } = await import('/livekit-client.mjs' as string);
      const room = new Room({ dynacast: false, adaptiveStream: false });
      await room.connect(livekitUrl, token);
      const track = window.goliveStamped.stream.getVideoTracks()[0];
      await room.localParticipant.publishTrack(track, { source: Track.Source.Camera, simulcast: false });
      (window as unknown as { benchRoom: { disconnect(stop: boolean): Promise<void> } }).benchRoom = room;
    },
    { livekitUrl, token },
  );
}

/** Glass-to-glass of every frame drawn in a window: drawn in the page → decoded in the rtc-node viewer. */
async function measureWindow(page: Page, pageOffsetMs: number, viewer: MediaChild, identity: string, seconds: number): Promise<Figures> {
  const from = await page.evaluate(() => window.goliveStamped.framesDrawn());
  await pause(seconds * 1000);
  const to = await page.evaluate(() => window.goliveStamped.framesDrawn());
  await pause(1000); // the last frames are still on their way
  const drawn = await page.evaluate(({ from, to }) => Array.from({ length: to - from }, (_, i) => window.goliveStamped.drawnAt(from + i)), {
    from,
    to,
  });
  const [received] = await viewer.child.call<ReceivedFrames>('frames', { ranges: { [identity]: [from, to] } });
  const latencies: number[] = [];
  const seen = new Set<number>();
  for (const [seq, at] of received?.frames ?? []) {
    const drawnAt = drawn[seq - from];
    if (seen.has(seq) || drawnAt === null || drawnAt === undefined) continue;
    seen.add(seq);
    latencies.push(at - viewer.offsetMs - (drawnAt + pageOffsetMs));
  }
  const l = summarizeLatencies(latencies);
  // A canvas capture may sample fewer frames than were drawn; "failed" counts drawn frames never decoded.
  return { p50: l.p50, p95: l.p95, p99: l.p99, max: l.max, count: seen.size, failed: to - from - seen.size, cpuCores: {} };
}

export const ingestWhipScenario: Scenario = {
  id: 'ingest-whip',
  brief: 'issue 13',
  title: 'WHIP ingest glass-to-glass vs a browser publish',
  target: `glass-to-glass p95 over WHIP through golive ≤ ${RATIO_TARGET}× the same browser publishing with livekit-client, and ≤ ${GLASS_P95_TARGET_MS} ms on loopback`,
  method:
    `Debian's Chromium draws a ${VIDEO.width}×${VIDEO.height}@${VIDEO.fps} canvas with each frame's sequence number in its pixels ` +
    '(the same cells media.ts stamps) and keeps when it drew each one. WHIP arm: an RTCPeerConnection in the page publishes the ' +
    'canvas track over WHIP (fetch, trickle ICE) to golive’s own WHIP URL with the key from createIngest (signalling only) and ' +
    'so into livekit-server as the host’s ingest participant. Browser arm: the same page publishes the same track with ' +
    'livekit-client as the host. One rtc-node viewer (its own process, joined through golive) decodes every frame and reads ' +
    'the number back; latency is drawn in the page → decoded in the viewer, clocks aligned by the round trip with the least ' +
    'delay. Arms alternate round by round, each with a fresh subscription and a warm-up.',

  async run(ctx) {
    const quick = ctx.options.quick;
    const rounds = quick ? 1 : Math.min(ctx.options.rounds, 3);
    const windowSec = quick ? 4 : 10;
    const stack = await ctx.stack();
    const viewer = await startMediaChild(ctx, 'ingest-whip-viewer');
    const [host, watcher] = await userTokens('ingest-whip-host', 2);
    if (!host || !watcher) throw new Error('no user tokens');
    const created = await requestJson<{ token: string; livekitUrl: string; session: { id: string } }>(
      'POST',
      `${stack.baseUrl}/v1/sessions`,
      host.token,
      { title: 'WHIP benchmark', mode: 'broadcast', visibility: 'public' },
    );
    if (created.status !== 201) throw new Error(`could not start the WHIP session: ${created.status}`);
    const sessionId = created.body.session.id;

    // golive's own WHIP endpoint, with the session's ingest key, as OBS would publish.
    const ingest = await requestJson<{ whipUrl: string; streamKey: string }>(
      'POST',
      `${stack.baseUrl}/v1/sessions/${sessionId}/ingest`,
      host.token,
    );
    if (ingest.status !== 201) throw new Error(`could not create the ingest: ${ingest.status}`);
    const { whipUrl, streamKey } = ingest.body;
    const page = await servePage();
    const browser = await launchChromium();
    try {
      const tab = await (await browser.newContext()).newPage();
      await tab.goto(page.url);
      await installStampedCanvas(tab, VIDEO);
      const pageOffsetMs = await pageClockOffset(tab);
      const results: Record<Arm, Figures[]> = { whip: [], browser: [] };
      let whipCodec = 'unknown';
      for (let round = 0; round < rounds; round++) {
        for (const arm of ['whip', 'browser'] as const) {
          let identity: string;
          let stop: () => Promise<unknown>;
          if (arm === 'whip') {
            const publisher = await whipInPage(tab, { whipUrl, streamKey, source: 'stamped-canvas', audio: false });
            if (publisher.offered.status !== 201)
              throw new Error(`WHIP publish refused: ${publisher.offered.status} ${publisher.offered.body}`);
            whipCodec = answeredVideoCodec(publisher.offered.body);
            identity = ingestIdentity(host.userId);
            stop = () => publisher.stop();
          } else {
            await publishWithLivekitClient(tab, created.body.livekitUrl, created.body.token);
            identity = host.userId;
            stop = () =>
              tab.evaluate(() =>
                (window as unknown as { benchRoom: { disconnect(stop: boolean): Promise<void> } }).benchRoom.disconnect(false),
              );
          }
          await addSubscribers({ stack, publisher: viewer, subscriberChildren: [viewer] }, [
            { sessionId, fromIdentity: identity, userId: watcher.userId, bearer: watcher.token },
          ]);
          await pause(2_000);
          results[arm].push(await measureWindow(tab, pageOffsetMs, viewer, identity, windowSec));
          await viewer.child.call('disconnectAll');
          await stop();
          const last = results[arm].at(-1);
          ctx.log(
            `ingest-whip round ${round + 1} ${arm}: p50 ${last?.p50.toFixed(1)} ms, p95 ${last?.p95.toFixed(1)} ms, ${last?.count} frames`,
          );
        }
      }
      const whipM = measurementOf('WHIP through golive (Chromium RTCPeerConnection)', 'golive', results.whip);
      const browserM = measurementOf('browser publish with livekit-client', 'baseline', results.browser);
      const ratio = pairedRatio(whipM, browserM, (f) => f.p95);
      return {
        measurements: [whipM, browserM],
        checks: [
          {
            label: 'WHIP p95 vs browser publish p95',
            measured: ratio,
            unit: '×',
            target: `≤ ${RATIO_TARGET}×`,
            pass: ratio <= RATIO_TARGET,
          },
          {
            label: 'WHIP glass-to-glass p95',
            measured: whipM.median.p95,
            unit: 'ms',
            target: `≤ ${GLASS_P95_TARGET_MS} ms`,
            pass: whipM.median.p95 <= GLASS_P95_TARGET_MS,
          },
        ],
        notes: [
          `LiveKit's WHIP answer chose ${whipCodec} for the video.`,
          'The WHIP publisher is a bare RTCPeerConnection: no simulcast, no bitrate cap, Chromium’s default codec order ' +
            '(LiveKit answers VP8 first). livekit-client publishes the same track without simulcast, with its own bitrate ' +
            'preset for the size; both go to the same livekit-server on loopback.',
        ],
        settings: { rounds, windowSec, video: `${VIDEO.width}×${VIDEO.height}@${VIDEO.fps}` },
      };
    } finally {
      await browser.close();
      await page.close();
      await requestJson('POST', `${stack.baseUrl}/v1/sessions/${sessionId}/end`, host.token);
    }
  },
};
