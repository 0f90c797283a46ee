// The seeds' "100+ concurrent sessions": live sessions on one machine, each with a low-resolution
// rtc-node publisher, two viewers and chat at one message per second, ramped until something
// saturates (bounded in sessions and time). Who takes the CPU, and what joins and chat cost.
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import pg from 'pg';
import { ADMIN_DSN } from '../../server/test/harness.ts';
import type { BenchChild } from '../lib/child.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { summarizeLatencies } from '../lib/stats.ts';
import type { SessionsChatWindow, SessionsConnected } from '../load/chat-jobs.ts';
import { userTokens } from './http.ts';
import { saturation as mediaSaturation } from './media-capacity.ts';
import {
  delivery,
  describe as describeWindow,
  type MediaChild,
  measureWindow,
  pct,
  startMediaChild,
  type WindowResult,
} from './media-frames.ts';
import { addSubscribers, endAll, fmtVideo, type LiveStream, type MediaContext, publishingSession, type Video } from './media-session.ts';
import type { Check, Figures, Measurement, Scenario } from './types.ts';

const SESSIONS_TARGET = 100;
const VIDEO: Video = { width: 160, height: 90, fps: 10 };
const VIEWERS_PER_SESSION = 2;
const CHAT_PER_SESSION_PER_SEC = 1;
const CHAT_TEXT_CHARS = 80;
const SUBSCRIBER_CHILDREN = 3;
/** The seeds' targets: chat < 200 ms, video < 500 ms, start < 2 s. */
const CHAT_P95_LIMIT_MS = 200;
const VIDEO_P95_LIMIT_MS = 500;
const START_P95_LIMIT_MS = 2000;
/** A step whose chat loses more than this share of its deliveries is saturated. */
const CHAT_MAX_LOSS = 0.01;
/** Other work on the host above this (in cores) during a saturated step makes the step measured again, once. */
const OTHER_WORK_RETRY_CORES = 0.3;
/** No new step starts after this long (the ramp is bounded in time as well as in sessions). */
const BUDGET_MIN = 12;

type Step = {
  sessions: number;
  window: WindowResult;
  chat: SessionsChatWindow;
  /** Joins, session starts and realtime subscribes made while ramping up to this step. */
  joinsMs: number[];
  startsMs: number[];
  subscribesMs: number[];
  saturated: string | null;
};

export const capacityScenario: Scenario = {
  id: 'capacity-100',
  brief: 'seeds',
  title: `${SESSIONS_TARGET}+ concurrent sessions with media and chat on one machine`,
  target:
    `${SESSIONS_TARGET} live sessions on the 2 cores, each with one low-resolution publisher, ${VIEWERS_PER_SESSION} viewers and chat ` +
    `at ${CHAT_PER_SESSION_PER_SEC} message/s, within the seeds' targets (chat < ${CHAT_P95_LIMIT_MS} ms, video < ${VIDEO_P95_LIMIT_MS} ms, ` +
    `start < ${START_P95_LIMIT_MS / 1000} s, here at the p95); golive's share of the CPU and where it saturates`,
  method:
    'golive (its own process, production settings, fresh database), livekit-server and the clients each in their own processes: ' +
    `one rtc-node publisher process, ${SUBSCRIBER_CHILDREN} rtc-node subscriber processes (media-clients.ts) and one realtime ` +
    'process (session-chat-clients.ts, raw socket.io-client). Sessions are added in steps; each is started by its host through ' +
    `golive (POST /v1/sessions, timed by the orchestrator), publishes ${fmtVideo(VIDEO)} stamped video, gets ${VIEWERS_PER_SESSION} ` +
    'viewers that join through golive (POST /v1/sessions/{id}/join, timed in the subscriber process) and subscribe over rtc-node, ' +
    `and its host and viewers connect to /v1/realtime and subscribe (timed). Every session then chats at ${CHAT_PER_SESSION_PER_SEC} ` +
    'message/s, its three members taking turns (each under the default 5 per 10 s limit), sessions staggered evenly: each message ' +
    'is saved by golive (row lock, seq, insert) and fanned out to the session’s three members, timed from chat.send to its ' +
    'arrival at each (one process, one clock). At each step, after 2 s, one window measures frames (delivered share and ' +
    'glass-to-glass, as in P6 capacity), chat (send → each member, and lost deliveries) and the CPU of every process group, golive’s ' +
    'PostgreSQL backends included. A step is saturated when media saturates as in P6 capacity (frames missed or p95 past ' +
    `150 ms), chat p95 passes ${CHAT_P95_LIMIT_MS} ms, more than ${CHAT_MAX_LOSS * 100}% of chat deliveries are lost, or a chat ` +
    `message is refused (a step that looks saturated while other work on this shared host took ≥ ${OTHER_WORK_RETRY_CORES} cores ` +
    `is measured once more, keeping the quieter window); the ramp stops there, at its largest step, or after ${BUDGET_MIN} minutes.`,

  async run(ctx) {
    const quick = ctx.options.quick;
    const steps = quick ? [4, 8] : [25, 50, 75, 100, 125, 150];
    const checkedAt = quick ? (steps.at(-1) ?? 0) : SESSIONS_TARGET;
    const windowSec = quick ? 3 : 5;
    const deadline = Date.now() + (quick ? 3 : BUDGET_MIN) * 60_000;
    const stack = await ctx.startStack('golive-capacity', {});
    const publisher = await startMediaChild(ctx, 'capacity-publisher');
    const subscriberChildren: MediaChild[] = [];
    for (let i = 0; i < SUBSCRIBER_CHILDREN; i++) subscriberChildren.push(await startMediaChild(ctx, `capacity-subscribers-${i + 1}`));
    const chat = await ctx.startChild('capacity-chat', join(BENCH_ROOT, 'load/session-chat-clients.ts'), {});
    const m: MediaContext = { stack, publisher, subscriberChildren };
    const streams: LiveStream[] = [];
    const out: Step[] = [];
    let stoppedBy = `the largest step (${steps.at(-1)} sessions)`;
    try {
      for (const target of steps) {
        if (Date.now() > deadline) {
          stoppedBy = `the ${quick ? 3 : BUDGET_MIN}-minute budget`;
          break;
        }
        const ramp = await addSessions(m, chat, streams, target);
        await chat.call('start', { ratePerSec: CHAT_PER_SESSION_PER_SEC, textChars: CHAT_TEXT_CHARS });
        await pause(2000); // the joins' webhooks and key-frame requests die down first
        const measure = async () => {
          const [window, chatWindow] = await Promise.all([
            measureWindow({
              streams,
              subscriberChildren,
              seconds: windowSec,
              cpuGroups: {
                golive: [stack.golive.pid],
                postgres: await backendPids(stack.databaseUrl),
                'livekit-server': [stack.livekitPid],
                publishers: [publisher.child.pid],
                subscribers: subscriberChildren.map((s) => s.child.pid),
                'chat clients': [chat.pid],
              },
            }),
            (async () => {
              await chat.call('mark');
              await pause(windowSec * 1000);
              return chat.call<SessionsChatWindow>('collect');
            })(),
          ]);
          const saturated = mediaSaturation(window, out[0]?.window ?? window) ?? chatSaturation(chatWindow);
          return { window, chat: chatWindow, saturated };
        };
        // This machine is shared: a step that looks saturated while other work took a good share of
        // the CPU is measured once more, and the window with the least other work is kept.
        let best = await measure();
        if (best.saturated && otherCores(best.window) >= OTHER_WORK_RETRY_CORES) {
          ctx.log(
            `capacity ${target} sessions: saturated (${best.saturated}) while other work took ${otherCores(best.window).toFixed(2)} cores; measuring again`,
          );
          const again = await measure();
          if (otherCores(again.window) < otherCores(best.window)) best = again;
        }
        const step: Step = { sessions: target, ...best, ...ramp };
        out.push(step);
        ctx.log(`capacity ${target} sessions: ${describeStep(step)}${step.saturated ? ` — saturated: ${step.saturated}` : ''}`);
        if (step.saturated) {
          stoppedBy = `saturation at ${target} sessions`;
          break;
        }
      }
    } finally {
      await chat.call('disconnectAll').catch(() => undefined);
      await endAll(m, streams).catch(() => undefined);
      await Promise.all([publisher, ...subscriberChildren].map((c) => c.child.stop()));
    }
    // The limits are checked at the target step, or at the largest step measured when the ramp
    // stopped short of it (then the check fails whatever the figure, and says at how many).
    const at = out.find((s) => s.sessions === checkedAt) ?? out.at(-1);
    const reached = at?.sessions === checkedAt;
    const where = reached ? `at ${checkedAt} sessions` : `at ${at?.sessions ?? 0} sessions (${checkedAt} not reached)`;
    const sustained = out.filter((s) => !s.saturated).at(-1)?.sessions ?? 0;
    const checks: Check[] = [
      {
        label: 'sessions live at once, every step within the limits',
        measured: sustained,
        unit: '',
        target: `≥ ${checkedAt}`,
        pass: sustained >= checkedAt,
      },
      limitCheck(
        `chat p95, chat.send → each member, ${where}`,
        at && summarizeLatencies(at.chat.deliveryMs).p95,
        CHAT_P95_LIMIT_MS,
        reached,
      ),
      limitCheck(`glass-to-glass p95 ${where}`, at?.window.figures.p95, VIDEO_P95_LIMIT_MS, reached),
      limitCheck(`session start p95 while ramping, ${where}`, at && summarizeLatencies(at.startsMs).p95, START_P95_LIMIT_MS, reached),
    ];
    return {
      measurements: out.flatMap(stepMeasurements),
      checks,
      notes: [
        `The ramp stopped at ${stoppedBy}.`,
        ...out.map(shareNote),
        ...out.map(rampNote),
        '"Requests" are decoded frames (media rows), chat deliveries (chat rows) or joins (join rows); "failed" frames captured ' +
          'but not received, chat deliveries owed but not received within 1.5 s of the window, or joins not answered 200. The CPU ' +
          'column is the same window for the media and chat rows of a step: "postgres" is golive’s database backends, "other" the ' +
          'rest of this shared host.',
      ],
      settings: {
        'sessions per step': steps.join(', '),
        video: fmtVideo(VIDEO),
        'viewers per session': VIEWERS_PER_SESSION,
        'chat messages/s per session': CHAT_PER_SESSION_PER_SEC,
        'seconds per window': windowSec,
        'client processes': `1 publisher + ${SUBSCRIBER_CHILDREN} subscriber children (rtc-node), 1 realtime`,
      },
    };
  },
};

/** Starts sessions up to `target`: each publishes, gets its viewers, and its members subscribe to realtime. */
async function addSessions(m: MediaContext, chat: BenchChild, streams: LiveStream[], target: number) {
  const joinsMs: number[] = [];
  const startsMs: number[] = [];
  const subscribesMs: number[] = [];
  while (streams.length < target) {
    const n = streams.length;
    const stream = await publishingSession(m, `bench-cap-host-${n}`, `cap-${n}`, VIDEO);
    streams.push(stream);
    startsMs.push(stream.startMs);
    const viewers = await userTokens(`bench-cap-${n}-viewer`, VIEWERS_PER_SESSION);
    const subscribed = await addSubscribers(
      m,
      viewers.map((u) => ({ sessionId: stream.sessionId, fromIdentity: stream.identity, userId: u.userId, bearer: u.token })),
    );
    joinsMs.push(...subscribed.map((s) => s.joinMs));
    const connected = await chat.call<SessionsConnected>('connect', {
      url: m.stack.baseUrl,
      sessions: [{ sessionId: stream.sessionId, tokens: [stream.hostToken, ...viewers.map((v) => v.token)] }],
      concurrency: VIEWERS_PER_SESSION + 1,
    });
    if (connected.failed > 0) throw new Error(`realtime subscribe failed for session ${n}: ${connected.errors.join('; ')}`);
    subscribesMs.push(...connected.subscribeMs);
  }
  return { joinsMs, startsMs, subscribesMs };
}

function otherCores(w: WindowResult): number {
  return w.figures.cpuCores.other ?? 0;
}

function chatSaturation(c: SessionsChatWindow): string | null {
  if (c.accepted < c.sent) return `${c.sent - c.accepted} chat messages refused or unanswered (${c.errors.join(', ')})`;
  const lost = 1 - c.deliveryMs.length / Math.max(1, c.expectedDeliveries);
  if (lost > CHAT_MAX_LOSS) return `${pct(lost)} of chat deliveries lost`;
  const p95 = summarizeLatencies(c.deliveryMs).p95;
  if (p95 > CHAT_P95_LIMIT_MS) return `chat p95 ${p95.toFixed(0)} ms > ${CHAT_P95_LIMIT_MS} ms`;
  return null;
}

function limitCheck(label: string, measured: number | undefined, limitMs: number, reached: boolean): Check {
  const value = measured ?? Number.NaN;
  return { label, measured: Math.round(value * 10) / 10, unit: 'ms', target: `≤ ${limitMs} ms`, pass: reached && value <= limitMs };
}

function latencyFigures(latencies: number[], failed: number, cpuCores: Record<string, number>): Figures {
  const s = summarizeLatencies(latencies);
  return { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, count: s.count, failed, cpuCores };
}

function stepMeasurements(step: Step): Measurement[] {
  const n = `${step.sessions} sessions`;
  const rows: [string, Figures][] = [
    [`${n}: media, glass-to-glass: ${delivery(step.window)}${step.saturated ? ', saturated' : ''}`, step.window.figures],
    [
      `${n}: chat, chat.send → each member (${step.chat.sent} messages)`,
      latencyFigures(
        step.chat.deliveryMs,
        Math.max(0, step.chat.expectedDeliveries - step.chat.deliveryMs.length),
        step.window.figures.cpuCores,
      ),
    ],
    [`${n}: viewer joins (POST /join) while ramping up to it`, latencyFigures(step.joinsMs, 0, {})],
  ];
  return rows.map(([label, figures]) => ({ label, kind: 'golive', rounds: [figures], median: figures }));
}

/** golive's share of the CPU the whole load used: alone, and with its PostgreSQL backends. */
function shareNote(step: Step): string {
  const c = step.window.figures.cpuCores;
  const groups = ['golive', 'postgres', 'livekit-server', 'publishers', 'subscribers', 'chat clients', 'interrupts'];
  const load = groups.reduce((total, g) => total + (c[g] ?? 0), 0);
  const golive = c.golive ?? Number.NaN;
  const withDb = golive + (c.postgres ?? 0);
  return (
    `${step.sessions} sessions: golive ${golive.toFixed(2)} cores, ${pct(golive / load)} of the ${load.toFixed(2)} cores the load used ` +
    `(${pct(withDb / load)} with its PostgreSQL backends, ${(c.postgres ?? 0).toFixed(2)} cores); livekit-server ` +
    `${(c['livekit-server'] ?? 0).toFixed(2)}, rtc-node clients ${((c.publishers ?? 0) + (c.subscribers ?? 0)).toFixed(2)}, realtime clients ` +
    `${(c['chat clients'] ?? 0).toFixed(2)}; the machine ${(c.machine ?? 0).toFixed(2)} of 2, other work ${(c.other ?? 0).toFixed(2)}.`
  );
}

function rampNote(step: Step): string {
  const s = summarizeLatencies(step.startsMs);
  const r = summarizeLatencies(step.subscribesMs);
  const a = summarizeLatencies(step.chat.ackMs);
  return (
    `Ramping to ${step.sessions} sessions: ${s.count} session starts p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms; ` +
    `${r.count} realtime connect + subscribe p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms. In the window, chat.send → ack ` +
    `p50 ${a.p50.toFixed(1)} ms, p95 ${a.p95.toFixed(1)} ms.`
  );
}

function describeStep(step: Step): string {
  const chat = summarizeLatencies(step.chat.deliveryMs);
  const joins = summarizeLatencies(step.joinsMs);
  return (
    `${describeWindow(step.window)}; chat ${step.chat.deliveryMs.length}/${step.chat.expectedDeliveries} deliveries, p50 ` +
    `${chat.p50.toFixed(0)} ms, p95 ${chat.p95.toFixed(0)} ms; joins p95 ${joins.p95.toFixed(0)} ms`
  );
}

/** PostgreSQL backends connected to golive's database (its pool), so their CPU is golive's database work. */
async function backendPids(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: ADMIN_DSN });
  await client.connect();
  try {
    const name = new URL(databaseUrl).pathname.slice(1);
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name]);
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}
