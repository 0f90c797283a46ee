// Ingest (issue 13): what one RTMP ingest at 720p30 costs golive, against ffmpeg alone doing
// the same decode and WebRTC-style re-encode in the same run.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { LivekitAdapter } from '../../server/src/adapters/livekit.ts';
import { freeTcpPort } from '../../server/src/adapters/livekit-process.ts';
import { ingestIdentity, ingestTokenRequest } from '../../server/src/ingest/ingest-participant.ts';
import { eventually } from '../../server/test/harness.ts';
import { withCpuShare } from '../lib/proc.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';
import type { DecodedSoFar } from '../load/media-jobs.ts';
import type { ArmJob, RelayState } from '../servers/rtmp-relay-server.ts';
import { requestJson, userTokens } from './http.ts';
import { startMediaChild } from './media-frames.ts';
import { addSubscribers } from './media-session.ts';
import type { Check, Figures, Measurement, Scenario } from './types.ts';

const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 30;
const BITRATE = '2500k';
/** The relay should cost no more than this times ffmpeg alone doing the same decode and re-encode (P7's bound for the recorder). */
const RATIO_LIMIT = 1.5;

/** ffmpeg as OBS would be: x264 veryfast zerolatency, a key frame every 2 s, CBR-ish 2.5 Mbit/s, AAC. */
function encoder(url: string, seconds: number): ChildProcess {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`];
  args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds));
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', String(FPS * 2), '-bf', '0');
  args.push('-b:v', BITRATE, '-maxrate', BITRATE, '-bufsize', '5000k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k');
  args.push('-f', 'flv', url);
  return spawn('ffmpeg', args, { stdio: 'ignore' });
}

/** The baseline: ffmpeg takes the same RTMP stream and does what the relay does, decode + VP8 realtime + Opus, to nowhere. */
function ffmpegAlone(port: number): { child: ChildProcess; frames: () => number } {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-listen',
    '1',
    '-i',
    `rtmp://127.0.0.1:${port}/live/baseline`,
  ];
  args.push('-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', BITRATE);
  args.push('-map', '0:a', '-c:a', 'libopus', '-b:a', '64k', '-ar', '48000', '-f', 'null', '-');
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  // -progress writes key=value blocks; frame= is the count of pictures encoded so far.
  let frames = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/^frame=(\d+)$/gm)) frames = Number(match[1]);
  });
  return { child, frames: () => frames };
}

/** Whether a TCP socket listens on 127.0.0.1:port, from /proc/net/tcp (state 0A is LISTEN). */
function isListening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '0A';
    });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('close', () => resolve())));

function figures(cores: Record<string, number>, frames: number): Figures {
  return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, count: frames, failed: 0, cpuCores: cores };
}

function medianFigures(rounds: Figures[]): Figures {
  const names = Object.keys(rounds[0]?.cpuCores ?? {});
  const cores = Object.fromEntries(names.map((n) => [n, median(rounds.map((r) => r.cpuCores[n] ?? Number.NaN))]));
  return figures(cores, median(rounds.map((r) => r.count)));
}

export const ingestScenario: Scenario = {
  id: 'ingest',
  brief: 'issue 13',
  title: `RTMP ingest CPU at ${WIDTH}×${HEIGHT}@${FPS}`,
  target: `the CPU of one RTMP ingest (relay process + its ffmpeg decoder) ≤ ${RATIO_LIMIT}× ffmpeg alone decoding and re-encoding the same stream`,
  method:
    `ffmpeg publishes a ${WIDTH}×${HEIGHT}@${FPS} test pattern (x264 veryfast zerolatency, ${BITRATE}, key frame every 2 s, no ` +
    'B-frames) and a 440 Hz tone (AAC) over RTMP, in real time. golive arm: the relay (server/src/ingest, in a process of its ' +
    'own: bench/servers/rtmp-relay-server.ts) takes it with a stream key, its ffmpeg child decodes to I420 and 48 kHz PCM, and ' +
    'rtc-node re-encodes and publishes as the host’s ingest participant into a real livekit-server, where one rtc-node viewer ' +
    '(joined through golive) subscribes. Baseline arm, same run: ffmpeg alone listens for the same RTMP stream and decodes and ' +
    're-encodes it to VP8 (libvpx realtime, cpu-used 8) and Opus, to a null output. CPU of each process from /proc/<pid>/stat ' +
    'over a window after a warm-up; the arms alternate within each round.',

  async run(ctx) {
    const quick = ctx.options.quick;
    const rounds = quick ? 1 : Math.min(ctx.options.rounds, 3);
    const warmSec = quick ? 4 : 6;
    const windowSec = quick ? 5 : 15;
    const stack = await ctx.stack();
    const relay = await ctx.startChild<{ port: number }>('rtmp-relay', join(BENCH_ROOT, 'servers/rtmp-relay-server.ts'), {});
    const viewer = await startMediaChild(ctx, 'ingest-viewer');
    const livekit = new LivekitAdapter(stack.livekit);
    const [host, watcher] = await userTokens('ingest-host', 2);
    if (!host || !watcher) throw new Error('no user tokens');
    const created = await requestJson<{ session: { id: string } }>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
      title: 'ingest benchmark',
      mode: 'broadcast',
      visibility: 'public',
    });
    if (created.status !== 201) throw new Error(`could not start the ingest session: ${created.status}`);
    const sessionId = created.body.session.id;

    const golive: Figures[] = [];
    const baseline: Figures[] = [];
    const observed: string[] = [];
    for (let round = 0; round < rounds; round++) {
      // golive: the relay.
      const key = `sk_bench_${round}`;
      const ingestId = `bench-ingest-${round}`;
      const token = await livekit.mintToken(
        ingestTokenRequest({ sessionId, hostId: host.userId, hostName: 'Bench Host', protocol: 'rtmp' }),
      );
      await relay.call('arm', { key, ingestId, livekitUrl: stack.livekit.clientUrl, token } satisfies ArmJob);
      const enc = encoder(`rtmp://127.0.0.1:${relay.ready.port}/live/${key}`, warmSec + windowSec + 30);
      const state = await eventually(
        async () => {
          const s = await relay.call<RelayState>('state', ingestId);
          return s.status?.state === 'receiving' && s.decoderPid ? s : null;
        },
        { timeoutMs: 20_000, what: 'the relay to receive the RTMP stream' },
      );
      if (round === 0) {
        await addSubscribers({ stack, publisher: viewer, subscriberChildren: [viewer] }, [
          { sessionId, fromIdentity: ingestIdentity(host.userId), userId: watcher.userId, bearer: watcher.token },
        ]);
      }
      await pause(warmSec * 1000);
      const decodedBefore = (await viewer.child.call<DecodedSoFar>('decoded'))[0];
      const relayed = await withCpuShare(
        {
          relay: relay.pid,
          'relay ffmpeg': state.decoderPid ?? -1,
          'livekit-server': stack.livekitPid,
          viewer: viewer.child.pid,
          'encoder (OBS)': enc.pid ?? -1,
        },
        () => pause(windowSec * 1000),
      );
      const after = await relay.call<RelayState>('state', ingestId);
      const decodedAfter = (await viewer.child.call<DecodedSoFar>('decoded'))[0];
      const viewerFps = ((decodedAfter?.frames ?? 0) - (decodedBefore?.frames ?? 0)) / relayed.wallSec;
      observed.push(
        `round ${round + 1}: the viewer decoded ${viewerFps.toFixed(1)} fps at ${decodedAfter?.width}×${decodedAfter?.height} (what rtc-node encoded and LiveKit forwarded)`,
      );
      const status = after.status?.state === 'receiving' ? after.status : null;
      observed.push(
        status?.video
          ? `round ${round + 1}: the relay received ${status.video.width}×${status.video.height} at ${status.video.fps} fps, ${status.bitrateKbps} kbit/s`
          : `round ${round + 1}: the relay was not receiving at the end of the window (${after.status?.state ?? 'no status'})`,
      );
      const { relay: r, 'relay ffmpeg': d, ...rest } = relayed.cores;
      golive.push(
        figures(
          { 'relay + ffmpeg': (r ?? 0) + (d ?? 0), relay: r ?? Number.NaN, 'relay ffmpeg': d ?? Number.NaN, ...rest },
          Math.round(viewerFps * windowSec),
        ),
      );
      enc.kill('SIGINT');
      await exited(enc);

      // Baseline: ffmpeg alone on the same stream.
      const port = await freeTcpPort();
      const { child: alone, frames: aloneFrames } = ffmpegAlone(port);
      // A test connection would be the one ffmpeg -listen accepts: the kernel's socket table says when it listens.
      await eventually(() => isListening(port), { timeoutMs: 10_000, what: 'ffmpeg -listen to open its port' });
      const enc2 = encoder(`rtmp://127.0.0.1:${port}/live/baseline`, warmSec + windowSec + 30);
      await pause(warmSec * 1000);
      const framesBefore = aloneFrames();
      const bare = await withCpuShare({ 'ffmpeg alone': alone.pid ?? -1, 'encoder (OBS)': enc2.pid ?? -1 }, () => pause(windowSec * 1000));
      const aloneFps = (aloneFrames() - framesBefore) / bare.wallSec;
      observed.push(`round ${round + 1}: ffmpeg alone encoded ${aloneFps.toFixed(1)} fps (it keeps up at ${FPS})`);
      baseline.push(figures(bare.cores, Math.round(aloneFps * windowSec)));
      enc2.kill('SIGINT');
      alone.kill('SIGINT');
      await Promise.all([exited(enc2), exited(alone)]);
      ctx.log(
        `ingest round ${round + 1}: relay+ffmpeg ${golive.at(-1)?.cpuCores['relay + ffmpeg']?.toFixed(2)} cores, ffmpeg alone ${bare.cores['ffmpeg alone']?.toFixed(2)}`,
      );
    }
    await viewer.child.call('disconnectAll');
    await requestJson('POST', `${stack.baseUrl}/v1/sessions/${sessionId}/end`, host.token);

    const g = medianFigures(golive);
    const b = medianFigures(baseline);
    const relayCores = g.cpuCores['relay + ffmpeg'] ?? Number.NaN;
    const aloneCores = b.cpuCores['ffmpeg alone'] ?? Number.NaN;
    const measurements: Measurement[] = [
      { label: `RTMP ingest relay (${WIDTH}×${HEIGHT}@${FPS})`, kind: 'golive', rounds: golive, median: g },
      { label: 'ffmpeg alone: decode + VP8 realtime + Opus', kind: 'baseline', rounds: baseline, median: b },
    ];
    const ratio = relayCores / aloneCores;
    const checks: Check[] = [
      { label: 'relay CPU vs ffmpeg alone', measured: ratio, unit: '×', target: `≤ ${RATIO_LIMIT}×`, pass: ratio <= RATIO_LIMIT },
    ];
    return {
      measurements,
      checks,
      notes: [
        `One RTMP ingest at ${WIDTH}×${HEIGHT}@${FPS} costs ${relayCores.toFixed(2)} cores (median of ${rounds}): relay process ` +
          `${(g.cpuCores.relay ?? Number.NaN).toFixed(2)} (RTMP, picture copies, rtc-node's WebRTC encode), its ffmpeg decoder ` +
          `${(g.cpuCores['relay ffmpeg'] ?? Number.NaN).toFixed(2)}. ffmpeg alone: ${aloneCores.toFixed(2)} cores.`,
        ...observed,
      ],
      settings: { rounds, warmUpSec: warmSec, windowSec, video: `${WIDTH}×${HEIGHT}@${FPS}`, bitrate: BITRATE },
    };
  },
};
