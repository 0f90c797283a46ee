// P6 capacity: one session with a rising number of subscribers, and a rising number of small
// sessions, until frames drop or glass-to-glass latency climbs; and what each process pays.
import { setTimeout as pause } from 'node:timers/promises';
import { userTokens } from './http.ts';
import { busiest, delivery, describe, type MediaChild, measureWindow, pct, startMediaChild, type WindowResult } from './media-frames.ts';
import { rssMb } from './media-host.ts';
import { addSubscribers, endAll, fmtVideo, type LiveStream, type MediaContext, publishingSession, type Video } from './media-session.ts';
import type { Check, Measurement, Scenario } from './types.ts';

/** A step is saturated when subscribers miss more frames than this, or latency passes the glass-to-glass target. */
const MIN_DELIVERY = 0.95;
const LATENCY_LIMIT_MS = 150;
const ONE_SESSION_VIDEO: Video = { width: 640, height: 360, fps: 30 };
const SMALL_SESSION_VIDEO: Video = { width: 320, height: 180, fps: 15 };
const VIEWERS_PER_SMALL_SESSION = 2;
const SUBSCRIBER_CHILDREN = 3;
/** golive is not in the media path: of the CPU a media load costs, its share should be next to nothing. */
const GOLIVE_SHARE_LIMIT = 0.05;
/** Other work on the host above this (in cores) during a saturated step makes the step measured again, once. */
const OTHER_WORK_RETRY_CORES = 0.3;
/** ...unless frames are this late at the median: then the clients are overloaded whatever else runs. */
const RUNAWAY_P50_MS = 500;

type Memory = { goliveMb: number; goliveHeapMb: number; livekitMb: number; clientsMb: number };
type Step = { label: string; units: number; window: WindowResult; saturated: string | null; memory: Memory };
type Run = { m: MediaContext; windowSec: number; log: (message: string) => void };

export const mediaCapacityScenario: Scenario = {
  id: 'media-capacity',
  brief: 'P6',
  title: 'media capacity: subscribers in one session, small sessions on one machine',
  target:
    'no figure in the brief: where each load saturates on 2 cores and which process takes the CPU; golive stays out of the ' +
    `media path (≤ ${GOLIVE_SHARE_LIMIT * 100}% of the CPU the media load uses)`,
  method:
    'golive, livekit-server and the clients each run in their own processes: one rtc-node publisher process and ' +
    `${SUBSCRIBER_CHILDREN} rtc-node subscriber processes (media-clients.ts). (a) One session, one ${fmtVideo(ONE_SESSION_VIDEO)} ` +
    'publisher and a rising number of subscribers; (b) a rising number of sessions, each with one ' +
    `${fmtVideo(SMALL_SESSION_VIDEO)} publisher and ${VIEWERS_PER_SMALL_SESSION} viewers. Every viewer joins through golive ` +
    '(POST /v1/sessions/{id}/join) and connects with the token. The publishers stamp each frame’s sequence number into its ' +
    'pixels; each subscriber decodes every frame and reads the number back, so a window of a few seconds gives, for every ' +
    'frame captured, whether each subscriber got it and how long after capture (clocks aligned over IPC). A step is saturated ' +
    `when subscribers miss more than ${((1 - MIN_DELIVERY) * 100).toFixed(0)}% of the frames that reached other subscribers, ` +
    `or deliver ${((1 - MIN_DELIVERY) * 100).toFixed(0)}% fewer of the captured frames than at the first step, or the p95 ` +
    `latency passes ${LATENCY_LIMIT_MS} ms; the steps stop there (a step that looks saturated while other work on this shared ` +
    `host took ≥ ${OTHER_WORK_RETRY_CORES} cores is measured once more, keeping the quieter window). CPU of each process comes from /proc/<pid>/stat over the ` +
    'window, the kernel’s interrupt time and the whole machine’s from /proc/stat. The scenario runs its own golive and ' +
    'livekit-server (fresh database), golive with --expose-gc so that its memory is read after a full GC.',

  async run(ctx) {
    const quick = ctx.options.quick;
    const windowSec = quick ? 3 : 4;
    const oneSessionSteps = quick ? [1, 5] : [1, 10, 20, 40, 60, 80];
    const smallSessionSteps = quick ? [2] : [10, 20, 40, 60];
    // Its own golive (fresh database, own livekit-server), with --expose-gc so memory is read after a full GC.
    const stack = await ctx.startStack('golive-media', { NODE_OPTIONS: '--expose-gc' });
    const publisher = await startMediaChild(ctx, 'media-publisher');
    const subscriberChildren: MediaChild[] = [];
    for (let i = 0; i < SUBSCRIBER_CHILDREN; i++) subscriberChildren.push(await startMediaChild(ctx, `media-subscribers-${i + 1}`));
    const run: Run = { m: { stack, publisher, subscriberChildren }, windowSec, log: ctx.log };
    try {
      const idle = await memoryNow(run.m);
      const one = await oneSession(run, oneSessionSteps);
      const afterOne = await memoryNow(run.m);
      const many = await smallSessions(run, smallSessionSteps);
      const checks: Check[] = [one, many].flatMap((steps, i) => {
        const last = steps.at(-1);
        const share = last ? goliveShare(last.window) : Number.NaN;
        return [
          {
            label: `golive's share of the CPU at ${i === 0 ? '(a)' : '(b)'} ${last?.label ?? '–'}`,
            measured: Math.round(share * 1000) / 10,
            unit: '%',
            target: `≤ ${GOLIVE_SHARE_LIMIT * 100}%`,
            pass: share <= GOLIVE_SHARE_LIMIT,
          },
        ];
      });
      const measurements: Measurement[] = [
        ...one.map((s) => stepMeasurement(`(a) one session, ${fmtVideo(ONE_SESSION_VIDEO)}`, s)),
        ...many.map((s) => stepMeasurement(`(b) sessions of 1 × ${fmtVideo(SMALL_SESSION_VIDEO)} + 2 viewers`, s)),
      ];
      return {
        measurements,
        checks,
        notes: [
          '"Requests" counts decoded frames and "failed" the frames captured in the window that subscribers never received. CPU ' +
            '"interrupts" is the kernel’s irq and softirq time (on loopback, mostly moving packets), "other" what the rest of the ' +
            'host used meanwhile (other work on this shared machine, PostgreSQL, the bench orchestrator), "machine" the total.',
          'At 30 fps about one frame in six is "failed" at every step, one subscriber included: those frames never leave the ' +
            'publisher (every subscriber gets every frame the SFU forwards). rtc-node’s WebRTC sender drops them from a source fed ' +
            'at exactly 30 fps by a Node timer; the same publisher at 25 or 15 fps loses none, as (b) at 15 fps shows.',
          capacityNote('(a) one session', one),
          capacityNote('(b) many small sessions', many),
          memoryNote(idle, one, afterOne),
        ],
        settings: {
          'seconds per window': windowSec,
          '(a) subscribers per step': oneSessionSteps.join(', '),
          '(b) sessions per step': smallSessionSteps.join(', '),
          'client processes': `1 publisher + ${SUBSCRIBER_CHILDREN} subscriber children (rtc-node)`,
        },
      };
    } finally {
      await Promise.all([publisher, ...subscriberChildren].map((c) => c.child.stop()));
    }
  },
};

/** (a) One session, one publisher, more and more subscribers; stops after the first saturated step. */
async function oneSession(run: Run, steps: number[]): Promise<Step[]> {
  const stream = await publishingSession(run.m, 'bench-capacity-a-host', 'capacity-a', ONE_SESSION_VIDEO);
  const out: Step[] = [];
  let connected = 0;
  for (const target of steps) {
    const users = (await userTokens('bench-capacity-a-viewer', target)).slice(connected);
    await addSubscribers(
      run.m,
      users.map((u) => ({ sessionId: stream.sessionId, fromIdentity: stream.identity, userId: u.userId, bearer: u.token })),
    );
    connected = target;
    const step = await measureStep(run, [stream], `${target} subscriber${target === 1 ? '' : 's'}`, target, out[0]);
    out.push(step);
    run.log(`P6 capacity (a) ${step.label}: ${describe(step.window)}${step.saturated ? ` — saturated: ${step.saturated}` : ''}`);
    if (step.saturated) break;
  }
  await endAll(run.m, [stream]);
  return out;
}

/** (b) More and more sessions, each with one low-resolution publisher and two viewers. */
async function smallSessions(run: Run, steps: number[]): Promise<Step[]> {
  const streams: LiveStream[] = [];
  const out: Step[] = [];
  for (const target of steps) {
    while (streams.length < target) {
      const n = streams.length;
      const stream = await publishingSession(run.m, `bench-capacity-b-host-${n}`, `capacity-b-${n}`, SMALL_SESSION_VIDEO);
      streams.push(stream);
      const users = await userTokens(`bench-capacity-b-${n}-viewer`, VIEWERS_PER_SMALL_SESSION);
      await addSubscribers(
        run.m,
        users.map((u) => ({ sessionId: stream.sessionId, fromIdentity: stream.identity, userId: u.userId, bearer: u.token })),
      );
    }
    const step = await measureStep(run, streams, `${target} sessions`, target, out[0]);
    out.push(step);
    run.log(`P6 capacity (b) ${step.label}: ${describe(step.window)}${step.saturated ? ` — saturated: ${step.saturated}` : ''}`);
    if (step.saturated) break;
  }
  await endAll(run.m, streams);
  return out;
}

/**
 * One step's window. This machine is shared: when a step looks saturated while other work on the
 * host took a good share of the CPU, the window is measured once more and the one with the least
 * other work is kept, so the bench's own saturation point is what gets reported.
 */
async function measureStep(run: Run, streams: LiveStream[], label: string, units: number, first: Step | undefined): Promise<Step> {
  const { stack, publisher, subscriberChildren } = run.m;
  await pause(2000); // the joins' webhooks and key-frame requests die down before the window opens
  let best: { window: WindowResult; saturated: string | null } | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const window = await measureWindow({
      streams,
      subscriberChildren,
      seconds: run.windowSec,
      cpuGroups: {
        golive: [stack.golive.pid],
        'livekit-server': [stack.livekitPid],
        publishers: [publisher.child.pid],
        subscribers: subscriberChildren.map((s) => s.child.pid),
      },
    });
    const saturated = saturation(window, first?.window ?? window);
    const other = (w: WindowResult) => w.figures.cpuCores.other ?? 0;
    if (!best || other(window) < other(best.window)) best = { window, saturated };
    // A run-away (frames seconds late) is the bench's own overload: measuring it again only digs deeper.
    if (!saturated || other(window) < OTHER_WORK_RETRY_CORES || window.figures.p50 > RUNAWAY_P50_MS) break;
    run.log(`P6 capacity ${label}: saturated (${saturated}) while other work took ${other(window).toFixed(2)} cores; measuring again`);
  }
  if (!best) throw new Error('no window measured');
  return { label, units, ...best, memory: await memoryNow(run.m) };
}

/**
 * Why a step counts as saturated, or null: subscribers losing frames that others of the same
 * stream got, fewer of the captured frames delivered than at the first step (the publisher's
 * encoder or the SFU falling behind), or latency past the glass-to-glass target.
 */
export function saturation(w: WindowResult, first: WindowResult): string | null {
  const ownPath = w.received / Math.max(1, w.reachedAny);
  if (ownPath < MIN_DELIVERY) return `subscribers missed ${pct(1 - ownPath)} of the frames that reached others`;
  const delivered = w.received / Math.max(1, w.expected);
  const before = first.received / Math.max(1, first.expected);
  if (delivered < before * MIN_DELIVERY) return `${pct(delivered)} of captured frames delivered, against ${pct(before)} at the first step`;
  if (w.figures.p95 > LATENCY_LIMIT_MS) return `p95 ${w.figures.p95.toFixed(0)} ms > ${LATENCY_LIMIT_MS} ms`;
  return null;
}

/** golive's CPU as a share of everything the media load used (golive, livekit-server, clients, interrupts). */
function goliveShare(w: WindowResult): number {
  const c = w.figures.cpuCores;
  const load = ['golive', 'livekit-server', 'publishers', 'subscribers', 'interrupts'].reduce((total, g) => total + (c[g] ?? 0), 0);
  return (c.golive ?? Number.NaN) / load;
}

/** golive's RSS after a full GC (it runs with --expose-gc), livekit-server's and the subscriber processes' RSS. */
async function memoryNow(m: MediaContext): Promise<Memory> {
  const usage = await m.stack.golive.call<NodeJS.MemoryUsage | null>('gc');
  if (!usage) throw new Error('golive was not started with --expose-gc');
  return {
    goliveMb: usage.rss / 2 ** 20,
    goliveHeapMb: usage.heapUsed / 2 ** 20,
    livekitMb: rssMb(m.stack.livekitPid),
    clientsMb: m.subscriberChildren.reduce((total, s) => total + rssMb(s.child.pid), 0),
  };
}

function stepMeasurement(prefix: string, step: Step): Measurement {
  return {
    label: `${prefix}, ${step.label}: ${delivery(step.window)}${step.saturated ? ', saturated' : ''}`,
    kind: 'golive',
    rounds: [step.window.figures],
    median: step.window.figures,
  };
}

function capacityNote(what: string, steps: Step[]): string {
  const last = steps.at(-1);
  if (!last) return `${what}: no steps ran.`;
  const cores = last.window.figures.cpuCores;
  const ours = Object.entries(cores)
    .filter(([name]) => name !== 'machine' && name !== 'other')
    .sort((a, b) => b[1] - a[1])
    .map(([name, v]) => `${name} ${v.toFixed(2)}`)
    .join(', ');
  const verdict = last.saturated
    ? `saturates at ${last.label} (${last.saturated})`
    : `did not saturate up to ${last.label}, the largest step`;
  // CPU per subscriber at the last step that was not saturated, where every process kept up.
  const steady = [...steps].reverse().find((s) => !s.saturated);
  const perSubscriber = (group: string) =>
    steady ? (((steady.window.figures.cpuCores[group] ?? Number.NaN) * 1000) / steady.window.subscribers).toFixed(1) : '–';
  return (
    `Capacity ${what} ${verdict}. Cores at that step: ${ours}; the whole machine ${cores.machine?.toFixed(2)} of 2, of which ` +
    `${cores.other?.toFixed(2)} was other work on the host (busiest: ${busiest(last.window) || 'none'}).` +
    (steady
      ? ` CPU per subscriber at ${steady.label}, in ms per second: ${['subscribers', 'publishers', 'livekit-server', 'golive']
          .map((g) => `${g} ${perSubscriber(g)}`)
          .join(', ')}. The rtc-node clients (encoding, decoding, copying every frame into JavaScript) take most of it; ` +
        'golive is not in the media path.'
      : '')
  );
}

function memoryNote(idle: Memory, steps: Step[], ended: Memory): string {
  const first = steps[0];
  const last = steps.at(-1);
  if (!first || !last || last === first) return `golive RSS before the media load: ${idle.goliveMb.toFixed(0)} MiB.`;
  // From the first step, not from idle: the first join also pays one-time costs (compiled code, pools, prepared queries).
  const viewers = last.units - first.units;
  const per = (pick: (m: Memory) => number) => (((pick(last.memory) - pick(first.memory)) * 1024) / viewers).toFixed(1);
  return (
    `Memory, after a full GC: golive RSS ${idle.goliveMb.toFixed(1)} MiB idle (heap ${idle.goliveHeapMb.toFixed(1)} MiB), ` +
    `${first.memory.goliveMb.toFixed(1)} MiB with (a)'s first ${first.units} viewer${first.units === 1 ? '' : 's'} and ` +
    `${last.memory.goliveMb.toFixed(1)} MiB (heap ${last.memory.goliveHeapMb.toFixed(1)} MiB) with ${last.units}: per further ` +
    `media viewer ${per((m) => m.goliveMb)} KiB of RSS and ${per((m) => m.goliveHeapMb)} KiB of heap; after the session ` +
    `ended and everyone left, ${ended.goliveMb.toFixed(1)} MiB (heap ${ended.goliveHeapMb.toFixed(1)} MiB). golive is not in ` +
    'the media path: for a media viewer it verified a JWT (and cached it), minted one token and ingested its webhooks ' +
    '(a viewer’s realtime connection is P3’s figure). For comparison, per subscriber livekit-server grew ' +
    `${per((m) => m.livekitMb)} KiB and the rtc-node client processes ${per((m) => m.clientsMb)} KiB.`
  );
}
