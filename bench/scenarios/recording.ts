// P7 recording: what golive's recorder costs per recorded 640×360@30 stream against ffmpeg alone
// encoding the same frames, how long a 1-minute recording takes from stop to a playable MP4, and
// what a recorder at the default settings costs (so how many fit on 2 cores).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { LivekitAdapter } from '../../server/src/adapters/livekit.ts';
import { createEnvReader } from '../../server/src/config/env-reader.ts';
import { type EncoderSettings, readRecordingConfig } from '../../server/src/config/storage-config.ts';
import { mintRecorderToken } from '../../server/src/recording/recorder-token.ts';
import type { BenchChild } from '../lib/child.ts';
import { measurementOf, pairedRatio } from '../lib/measure.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import type { RecorderStatus, StopResult } from '../load/recorder-jobs.ts';
import { requestJson, userTokens } from './http.ts';
import { startMediaChild } from './media-frames.ts';
import { hostSnapshot, hostUsageSince } from './media-host.ts';
import type { Check, Figures, Scenario } from './types.ts';

const CPU_RATIO_TARGET = 1.5;
const STOP_TO_PLAYABLE_TARGET_MS = 5000;
/** The recorder's defaults (config.ts) with the brief's 640×360 canvas. */
const DEFAULTS: EncoderSettings = readRecordingConfig(createEnvReader({}), '/tmp').encoder;
const P7_ENCODER: EncoderSettings = { ...DEFAULTS, width: 640, height: 360, fps: 30 };
/** Seconds a recorder or ffmpeg runs before its window opens (subscription, first key frame, x264 lookahead). */
const WARM_SEC = 3;

type Session = { sessionId: string; livekitUrl: string };
type Ctx = { recorder: BenchChild; livekit: LivekitAdapter; session: Session; windowSec: number; log: (m: string) => void };

const cpuFigures = (cores: Record<string, number>, frames: number): Figures => ({
  p50: Number.NaN,
  p95: Number.NaN,
  p99: Number.NaN,
  max: Number.NaN,
  count: frames,
  failed: 0,
  cpuCores: cores,
});
const total = (f: Figures) => (f.cpuCores.recorder ?? 0) + (f.cpuCores.ffmpeg ?? 0);

export const recordingScenario: Scenario = {
  id: 'recording',
  brief: 'P7',
  title: 'recording: recorder CPU against ffmpeg alone, stop → playable',
  target: `recorder CPU per 640×360@30 stream ≤ ${CPU_RATIO_TARGET}× ffmpeg alone encoding the same frames; stop → playable ≤ ${STOP_TO_PLAYABLE_TARGET_MS / 1000} s for a 1-minute recording`,
  method:
    'One session on golive and livekit-server; a publisher process (rtc-node) sends a 640×360@30 synthetic camera (a moving ' +
    'bar and the frame-number stamp) and a 440 Hz tone on the microphone. The recorder runs in a process of its own ' +
    '(load/recorder-jobs.ts): golive’s Recorder joins hidden, decodes, composes the 640×360 canvas, mixes the audio and feeds its ' +
    `ffmpeg (libx264 ${P7_ENCODER.preset}, CRF ${P7_ENCODER.crf}, AAC ${P7_ENCODER.audioBitrateKbps} kb/s, ${P7_ENCODER.segmentSec} s HLS fMP4 ` +
    'segments to local storage). Subject: CPU of the recorder process plus its ffmpeg, from /proc/<pid>/stat over the window. ' +
    'Baseline: ffmpeg alone, with the same arguments, fed the same synthetic frames and a tone from the same process in real time ' +
    '(the feeding is not counted). Each round runs the subject then the baseline, each after ' +
    `${WARM_SEC} s of warm-up; the ratio is the median of the per-round ratios. Stop → playable: a 60 s recording, from ` +
    'Recorder.stop() (last segment encoded and stored) through finalize (segments joined, remuxed with faststart, probed, stored), ' +
    'i.e. until the MP4 a signed URL serves exists. Then three single windows: the floor (a bare rtc-node subscriber in the ' +
    'recorder’s process that reads every frame and does nothing else), a recorder at the default settings ' +
    `(${DEFAULTS.width}×${DEFAULTS.height}@${DEFAULTS.fps}) with the same publisher, and ffmpeg alone at those settings.`,

  async run(ctx) {
    const quick = ctx.options.quick;
    const rounds = quick ? 1 : Math.min(ctx.options.rounds, 5);
    const windowSec = quick ? 4 : 10;
    const recordingSec = quick ? 10 : 60;
    const stack = await ctx.stack();
    const publisher = await startMediaChild(ctx, 'recording-publisher');
    const recorder = await ctx.startChild('recorder', join(BENCH_ROOT, 'load/recorder-jobs.ts'), {});
    const livekit = new LivekitAdapter(stack.livekit);
    const [host] = await userTokens('bench-recording-host', 1);
    if (!host) throw new Error('no host token');
    const created = await requestJson<{ token: string; livekitUrl: string; session: { id: string } }>(
      'POST',
      `${stack.baseUrl}/v1/sessions`,
      host.token,
      {
        title: 'P7 recording benchmark',
        mode: 'broadcast',
        visibility: 'public',
      },
    );
    if (created.status !== 201) throw new Error(`could not start the P7 session: ${created.status}`);
    const session = { sessionId: created.body.session.id, livekitUrl: created.body.livekitUrl };
    await publisher.child.call('publish', {
      key: 'host',
      livekitUrl: session.livekitUrl,
      token: created.body.token,
      width: 640,
      height: 360,
      fps: 30,
      tone: true,
    });
    const c: Ctx = { recorder, livekit, session, windowSec, log: ctx.log };
    try {
      const subject: Figures[] = [];
      const baseline: Figures[] = [];
      for (let round = 0; round < rounds; round++) {
        subject.push(await recorderWindow(c, P7_ENCODER));
        baseline.push(await baselineWindow(c, P7_ENCODER));
        ctx.log(
          `P7 round ${round + 1}: recorder ${total(subject[round] as Figures).toFixed(3)} cores, ffmpeg alone ${total(baseline[round] as Figures).toFixed(3)} cores`,
        );
      }
      const subjectM = measurementOf('recorder (process + its ffmpeg), 640×360@30', 'golive', subject);
      const baselineM = measurementOf('ffmpeg alone, same frames and settings', 'baseline', baseline);
      const ratio = pairedRatio(subjectM, baselineM, total);

      const stop = await stopToPlayable(c, recordingSec);
      ctx.log(`P7 stop → playable after ${recordingSec} s: ${(stop.stopMs + stop.finalizeMs).toFixed(0)} ms`);
      const floor = await bareWindow(c);
      const atDefaults = await recorderWindow(c, DEFAULTS);
      const defaultsBaseline = await baselineWindow(c, DEFAULTS);
      const defaultCores = total(atDefaults);
      const defaultsRatio = defaultCores / total(defaultsBaseline);
      const floorCores = floor.cpuCores.recorder ?? Number.NaN;
      const ownCores = subjectM.median.cpuCores.recorder ?? Number.NaN;
      const baselineCores = total(baselineM.median);
      const checks: Check[] = [
        {
          label: 'recorder CPU ÷ ffmpeg alone',
          measured: Math.round(ratio * 100) / 100,
          unit: '×',
          target: `≤ ${CPU_RATIO_TARGET}×`,
          pass: ratio <= CPU_RATIO_TARGET,
        },
        {
          label: `stop → playable, ${recordingSec} s recording`,
          measured: Math.round(stop.stopMs + stop.finalizeMs),
          unit: 'ms',
          target: `≤ ${STOP_TO_PLAYABLE_TARGET_MS} ms`,
          pass: stop.stopMs + stop.finalizeMs <= STOP_TO_PLAYABLE_TARGET_MS,
        },
      ];
      const stopFigures: Figures = {
        p50: stop.stopMs + stop.finalizeMs,
        p95: Number.NaN,
        p99: Number.NaN,
        max: Number.NaN,
        count: 1,
        failed: 0,
        cpuCores: {},
      };
      return {
        measurements: [
          subjectM,
          baselineM,
          measurementOf(`stop → playable (${recordingSec} s recording; p50 = the one sample)`, 'golive', [stopFigures]),
          measurementOf('rtc-node alone: subscribe and read every frame into JavaScript (the floor)', 'baseline', [floor]),
          measurementOf(`recorder at the defaults, ${DEFAULTS.width}×${DEFAULTS.height}@${DEFAULTS.fps}, one publisher`, 'golive', [
            atDefaults,
          ]),
          measurementOf(`ffmpeg alone at the defaults, ${DEFAULTS.width}×${DEFAULTS.height}@${DEFAULTS.fps}`, 'baseline', [
            defaultsBaseline,
          ]),
        ],
        checks,
        notes: [
          `Per round the recorder used ${subject.map((f) => total(f).toFixed(3)).join(', ')} cores and ffmpeg alone ` +
            `${baseline.map((f) => total(f).toFixed(3)).join(', ')}. The recorder's own process (rtc-node receiving and decoding VP8, ` +
            'frames copied into JavaScript, composing, audio mix, pipes) is the difference: a median of ' +
            `${(subjectM.median.cpuCores.recorder ?? Number.NaN).toFixed(3)} cores beside its ffmpeg's ${(subjectM.median.cpuCores.ffmpeg ?? Number.NaN).toFixed(3)}.`,
          `Where the recorder's own process goes: rtc-node alone (connected, every track subscribed and decoded, every frame ` +
            `read into JavaScript, nothing else) used ${floorCores.toFixed(3)} cores, so golive's composing, audio mix, clock and ` +
            `pipes to ffmpeg add about ${(ownCores - floorCores).toFixed(3)}. With ffmpeg alone at ${baselineCores.toFixed(3)} ` +
            `cores, the floor by itself is ${(floorCores / baselineCores).toFixed(2)}× of it: the ${CPU_RATIO_TARGET}× target leaves ` +
            `${(baselineCores * (CPU_RATIO_TARGET - 1)).toFixed(3)} cores for everything outside ffmpeg, which rtc-node's receive and ` +
            `decode at 640×360@30 ${floorCores > baselineCores * (CPU_RATIO_TARGET - 1) ? 'already exceed' : 'fit in'}.`,
          `Stop → playable: ${stop.stopMs.toFixed(0)} ms to stop (ffmpeg encodes its last frames, the last segment is stored) and ` +
            `${stop.finalizeMs.toFixed(0)} ms to finalize ${stop.segments} segments into a ${(stop.sizeBytes / 1e6).toFixed(1)} MB, ` +
            `${stop.durationSec.toFixed(1)} s MP4 (local storage; with S3 add the upload of the file).`,
          `At the defaults (${DEFAULTS.width}×${DEFAULTS.height}@${DEFAULTS.fps}, ${DEFAULTS.preset}) one recorder used ${defaultCores.toFixed(2)} cores ` +
            `(process ${(atDefaults.cpuCores.recorder ?? Number.NaN).toFixed(2)}, ffmpeg ${(atDefaults.cpuCores.ffmpeg ?? Number.NaN).toFixed(2)}), ` +
            `${defaultsRatio.toFixed(2)}× ffmpeg alone at that size (${total(defaultsBaseline).toFixed(2)} cores): ` +
            `about ${Math.floor(2 / defaultCores)} such recordings would fill 2 cores if nothing else ran; the default cap ` +
            '(RECORDING_MAX_CONCURRENT=2) leaves room for golive and livekit-server on a 2-core worker.',
        ],
        settings: {
          rounds,
          'seconds per window': windowSec,
          'warm-up seconds': WARM_SEC,
          encoder: `${P7_ENCODER.preset}, CRF ${P7_ENCODER.crf}, ${P7_ENCODER.segmentSec} s segments, x264 threads ${P7_ENCODER.threads || 'auto'}`,
        },
      };
    } finally {
      await publisher.child.call('disconnectAll').catch(() => {});
      await requestJson('POST', `${stack.baseUrl}/v1/sessions/${session.sessionId}/end`, host.token).catch(() => {});
    }
  },
};

/** Starts a recorder, warms it up, measures it over the window, stops it (no finalize). */
async function recorderWindow(c: Ctx, encoder: EncoderSettings): Promise<Figures> {
  const recordingId = randomUUID();
  const token = await mintRecorderToken(c.livekit, { sessionId: c.session.sessionId, recordingId, ttlSec: 3600 });
  let status = await c.recorder.call<RecorderStatus>('start', { recordingId, livekitUrl: c.session.livekitUrl, token, encoder });
  const deadline = Date.now() + 20_000;
  while (status.videoSources < 1 || status.writtenSec < WARM_SEC) {
    if (Date.now() > deadline) throw new Error(`the recorder did not get the publisher's video: ${JSON.stringify(status)}`);
    await pause(200);
    status = await c.recorder.call<RecorderStatus>('status', { recordingId });
  }
  const groups = { recorder: [c.recorder.pid], ffmpeg: [status.ffmpegPid ?? -1] };
  const before = hostSnapshot(groups);
  const writtenBefore = status.writtenSec;
  await pause(c.windowSec * 1000);
  const { cores } = hostUsageSince(before, groups);
  const after = await c.recorder.call<RecorderStatus>('status', { recordingId });
  const stopped = await c.recorder.call<StopResult>('stopRecorder', { recordingId, finalize: false });
  const figures = cpuFigures(cores, Math.round((after.writtenSec - writtenBefore) * encoder.fps));
  figures.failed = stopped.droppedFrames;
  return figures;
}

/** ffmpeg alone, fed the same frames, over the same window. */
async function baselineWindow(c: Ctx, encoder: EncoderSettings): Promise<Figures> {
  const { ffmpegPid } = await c.recorder.call<{ ffmpegPid: number }>('startBaseline', { encoder });
  await pause(WARM_SEC * 1000);
  const groups = { ffmpeg: [ffmpegPid] };
  const before = hostSnapshot(groups);
  await pause(c.windowSec * 1000);
  const { cores } = hostUsageSince(before, groups);
  await c.recorder.call('stopBaseline');
  return cpuFigures(cores, c.windowSec * encoder.fps);
}

/** The floor: a bare rtc-node subscriber in the recorder's process, over the window. */
async function bareWindow(c: Ctx): Promise<Figures> {
  const token = await mintRecorderToken(c.livekit, { sessionId: c.session.sessionId, recordingId: randomUUID(), ttlSec: 3600 });
  await c.recorder.call('startBare', { livekitUrl: c.session.livekitUrl, token });
  await pause(WARM_SEC * 1000);
  const groups = { recorder: [c.recorder.pid] };
  const before = hostSnapshot(groups);
  const framesBefore = (await c.recorder.call<{ frames: number }>('bareFrames')).frames;
  await pause(c.windowSec * 1000);
  const { cores } = hostUsageSince(before, groups);
  const { frames } = await c.recorder.call<{ frames: number }>('stopBare');
  return cpuFigures(cores, frames - framesBefore);
}

/** A recording of `seconds`, then the time from stop to the finalized MP4 in storage. */
async function stopToPlayable(c: Ctx, seconds: number): Promise<StopResult> {
  const recordingId = randomUUID();
  const token = await mintRecorderToken(c.livekit, { sessionId: c.session.sessionId, recordingId, ttlSec: 3600 });
  let status = await c.recorder.call<RecorderStatus>('start', {
    recordingId,
    livekitUrl: c.session.livekitUrl,
    token,
    encoder: P7_ENCODER,
  });
  while (status.writtenSec < seconds) {
    await pause(500);
    status = await c.recorder.call<RecorderStatus>('status', { recordingId });
  }
  return c.recorder.call<StopResult>('stopRecorder', { recordingId, finalize: true });
}
