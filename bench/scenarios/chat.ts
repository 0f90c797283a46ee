import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchChild } from '../lib/child.ts';
import { newestProfile, renderProfile, summarizeProfile } from '../lib/cpu-profile.ts';
import { measurementOf, pairedRatio } from '../lib/measure.ts';
import { settle, withCpuShare } from '../lib/proc.ts';
import { BENCH_ROOT, RESULTS_DIR } from '../lib/stack.ts';
import { median, percentile, summarizeLatencies } from '../lib/stats.ts';
import type { ChatTarget, CollectResult, ConnectResult, SendResult } from '../load/chat-jobs.ts';
import { type JoinGrantBody, requestJson, userTokens } from './http.ts';
import type { Check, Figures, Measurement, Scenario } from './types.ts';

const VIEWER_TARGET = 5000;
const P99_RATIO_TARGET = 1.5;
const P99_TARGET_MS = 200;
const KB_PER_VIEWER_TARGET = 20;
/** Viewer connections are spread over this many client processes (each its own event loop). */
const VIEWER_PROCESSES = 3;
const SEND_RATE_PER_SEC = 4;
/** At the largest step, higher send rates, each for PROBE_SECONDS: where does fan-out saturate? */
const PROBE_RATES_PER_SEC = [8, 16];
const PROBE_SECONDS = 3;
const MESSAGES_PER_PHASE = 24;
const TEXT_CHARS = 80;
/** Sent before any viewer connects: the chat history every subscribe returns (golive's default: the last 50). */
const HISTORY_MESSAGES = 50;
const CONNECT_CONCURRENCY = 25;
/** After connecting, viewers sit idle this long before RSS is read (pings, timers and GC settle). */
const IDLE_BEFORE_RSS_MS = 5_000;

type Kind = ChatTarget['kind'];
type Phase = { figures: Figures; ackP99Ms?: number; lost: number };
/**
 * VmRSS of each server in KB: as found; after a full GC (garbage not yet collected is no viewer's
 * cost); after a memory-pressure GC (nor are the free pages V8 keeps pooled). heapUsed: the live
 * JavaScript heap after the latter.
 */
type Memory = {
  asFound: Record<Kind, number>;
  afterGc: Record<Kind, number>;
  afterPressureGc: Record<Kind, number>;
  heapUsed: Record<Kind, number>;
};
type MemoryAt = Memory & { viewers: number; connectPerSec: Record<Kind, number> };

export const chatScenario: Scenario = {
  id: 'chat',
  brief: 'P3',
  title: `chat fan-out, ${VIEWER_TARGET.toLocaleString('en-US')} viewers in one session`,
  target: `p99 send→receive ≤ ${P99_RATIO_TARGET}× a bare \`ws\` broadcast server in the same run, and ≤ ${P99_TARGET_MS} ms; ≤ ${KB_PER_VIEWER_TARGET} KB RSS per idle viewer`,
  method:
    'golive runs in its own process (production settings; CHAT_RATE_LIMIT_MESSAGES raised so one sender is not limited). ' +
    'Viewers are raw socket.io-client connections (WebSocket transport, path /v1/realtime, auth {token}, one JWT per user), ' +
    `each subscribed to one public live session with session.subscribe, spread over ${VIEWER_PROCESSES} client processes. A ` +
    `separate sender process sends chat.send at ${SEND_RATE_PER_SEC} messages/s, evenly spaced, ${MESSAGES_PER_PHASE} per ` +
    `measurement, each text (${TEXT_CHARS} characters) carrying its send time on CLOCK_MONOTONIC (process.hrtime, shared by every ` +
    'process on the machine); every viewer records receive time − send time of every message. golive saves each message to ' +
    'PostgreSQL (session row lock, seq, insert) before acknowledging it and broadcasting it to the Socket.IO room. The baseline is ' +
    'a bare `ws` server in its own process (bench/servers/ws-broadcast-server.ts): each frame {text} from a client becomes a ' +
    'message of the same shape and size (id, sessionId, seq, user, text, createdAt), serialized once and sent to every connected ' +
    'client; no auth, rooms, storage or heartbeat. Its clients are plain `ws` WebSockets in the same client processes, with the ' +
    `same sender pattern. First ${HISTORY_MESSAGES} messages are sent to each (the history a subscribe returns), then viewers ` +
    `connect in steps; at each step, after ${IDLE_BEFORE_RSS_MS / 1000} s idle, RSS (VmRSS from /proc) of each server is read: ` +
    'as found, after two full GCs, and after the GC V8 runs when memory is short (the gc extension\'s "last-resort" flavor, which ' +
    'also unmaps the free pages V8 keeps pooled); both servers run with --expose-gc for those calls only, and get the same ' +
    'calls. The KB per viewer checked is the slope from the first step to the last, (RSS at 5,000 − RSS at 500) ÷ 4,500, after ' +
    'the memory-pressure GC; the slopes as found and after a full GC, (RSS at N − RSS before any viewer) ÷ N and the live heap ' +
    'are reported too. Latency is then measured from the largest step down (viewers disconnected between steps), both servers ' +
    'one after the other in alternating order, the largest step in rounds after a warm-up; at the largest step, higher send ' +
    `rates (${PROBE_RATES_PER_SEC.join(' and ')} messages/s for ${PROBE_SECONDS} s each) probe where fan-out saturates.`,
  findings: [
    'Latency. At 5,000 viewers the p99 is the fan-out time: golive writes each message to 5,000 sockets in one synchronous ' +
      'loop, the last viewers get it last. golive spends ~15–21 µs of CPU per delivery, the bare ws server ~10–14 µs ("Server ' +
      'CPU µs/req"). From `npm run bench -- chat --profile` (2026-11-21, a heavily loaded machine): 59% of golive’s CPU is ' +
      'writev, the kernel send of each socket’s frame (the same per-client write the ws server makes), 15% Node stream ' +
      'internals, 6% engine.io, 4% socket.io-adapter, 3% GC: the difference is Socket.IO/Engine.IO’s per-socket packet ' +
      'bookkeeping (a packet object, events, a write callback and a drain per socket) on top of the same ws frame, which ' +
      'socket.io already encodes once per broadcast. Before the broadcast, golive saves the message in a PostgreSQL transaction ' +
      '(the sender’s ack p99 is in the notes). No server option changes this: permessage-deflate is already off by default.',
    'Saturation on 2 cores. At 5,000 viewers, 8 messages/s (40,000 deliveries/s) still kept pace in both; at 16 messages/s ' +
      '(80,000/s offered) golive delivered ~45,000/s with a p99 of seconds while the bare ws server kept pace. The three client ' +
      'processes take about a core at that rate, which leaves golive ~0.7 of a core: ~45,000 deliveries/s at ~15 µs each. ' +
      'golive’s event-loop delay stays near one fan-out (~100 ms); the backlog is in chat.send requests waiting their turn.',
    'The latency verdict depends on what else the machine runs. Full runs on 2026-11-21 on this shared VM gave (golive p99 ÷ ' +
      'ws p99, golive p99 at 5,000): 1.27–1.44× and 105–170 ms in five runs while it was quiet (1-minute load average 2–5 and ' +
      'steady); 1.57× and 251 ms, 1.95× and 247 ms, 3.65× and 929 ms when other jobs started during the run (load 3–7 and ' +
      'rising); 11.9× and 1.9 s at a load of ~10. golive needs ~1.5× the CPU per delivery of the bare server plus a database ' +
      'transaction per message, so when the cores are shared it is the first to fall behind, and then its latency grows with ' +
      'the backlog. On a quiet machine golive meets both latency targets at 5,000 viewers.',
    'Memory, where the bytes go. `node bench/socket-heap.ts`: heap snapshots of golive with 0 and 1,000 idle subscribed viewers, ' +
      'and what each connection object alone keeps alive (2026-12-01): before the lean-socket change, 15.1 KB of heap per viewer ' +
      '(compiled code aside): the HTTP upgrade request ' +
      'Engine.IO keeps for the connection’s lifetime (2.2 KB, held both by the Engine.IO socket and, through a close listener on ' +
      'the TCP socket, by the response stand-in it gives middlewares, which is why nulling `conn.request` alone, the Socket.IO ' +
      'docs’ advice, freed nothing when tried before), the Socket.IO socket (3.0 KB: handshake with the JWT and every header, ' +
      'golive’s four listener closures and a per-socket logger), ws’ WebSocket with its Receiver stream (2.1 KB), the ' +
      'net.Socket (1.6 KB, and 0.4 KB native TCPWrap), Engine.IO’s WebSocket transport (1.3 KB) and socket (1.1 KB, with its ' +
      'heartbeat Timeout), Socket.IO’s Client (0.9 KB), and entries in shared maps (Engine.IO clients, namespace sockets, ' +
      'adapter rooms: the socket’s own room and the user room). golive now releases the request once connected, empties the ' +
      'handshake’s auth and headers, and registers one set of listeners for every socket: 11.0 KB per viewer (the Socket.IO ' +
      'socket 1.5 KB). The rest belongs to Node, ws, Engine.IO and Socket.IO.',
    'Memory, RSS. After a full GC, golive’s RSS slope moved by tens of KB per viewer from run to run (31–47 KB): V8’s young ' +
      'generation grows while hundreds of viewers connect per second, and when it shrinks again V8 keeps the freed pages pooled ' +
      'until memory is short (not given back after 40 s idle in a probe); a last-resort GC unmaps them (~100 MB at 1,000 ' +
      'viewers). That pool is bounded by the young generation’s size, so it is no viewer’s cost; the check reads RSS after that ' +
      'GC, the full-GC and as-found slopes stay in the notes. Four runs on 2026-12-01, before and after the change alternating, ' +
      '500 → 5,000: 16.5 and 17.2 KB per viewer before (full GC: 44.2 and 47.1 KB; heap 14.8 KB) and 12.4 and 13.3 KB after ' +
      '(full GC: 34.5 and 34.6 KB; heap 10.7 KB); the bare ws server 3.4–3.9 KB. Starting golive with `--max-semi-space-size=8` bounds the pool (a probe, 500 → 2,500: 24 KB per viewer ' +
      'after a full GC instead of 57, idle RSS 176 MB instead of 215), at the cost of more scavenges, not measured here for ' +
      'latency. A lighter engine under Socket.IO could not be tried: eiows 11 (MIT, Node 22/24/26) compiles against the complete ' +
      'Node.js source of the running release, downloaded from nodejs.org at install (unreachable here) and rebuilt after every ' +
      'Node patch release; uWebSockets.js is not on the npm registry.',
  ],

  async run(ctx) {
    const quick = ctx.options.quick;
    const steps = quick ? [200, 500] : [500, 1000, 2500, VIEWER_TARGET];
    const topRounds = quick ? 1 : Math.min(ctx.options.rounds, 5);
    const messages = quick ? 12 : MESSAGES_PER_PHASE;
    const top = steps.at(-1) as number;

    // --expose-gc only lets the bench ask for a full GC before reading RSS; it changes nothing else.
    const stack = await ctx.startStack('golive-chat', { CHAT_RATE_LIMIT_MESSAGES: '10000', NODE_OPTIONS: '--expose-gc' });
    const children: BenchChild[] = [];
    try {
      const [host, sender] = await userTokens('bench-chat-host', 2);
      if (!host || !sender) throw new Error('no tokens');
      const created = await requestJson<JoinGrantBody>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
        title: 'P3 chat benchmark',
        mode: 'broadcast',
        visibility: 'public',
      });
      if (created.status !== 201) throw new Error(`could not start the P3 session: ${created.status} ${JSON.stringify(created.body)}`);
      const sessionId = created.body.session.id;
      const viewerTokens = (await userTokens('bench-chat-viewer', top)).map((v) => v.token);

      const ws = await ctx.startChild<{ port: number }>('ws-broadcast-server', join(BENCH_ROOT, 'servers/ws-broadcast-server.ts'), {
        NODE_OPTIONS: '--expose-gc',
      });
      children.push(ws);
      const clientScript = join(BENCH_ROOT, 'load/chat-clients.ts');
      const senderChild = await ctx.startChild('chat-sender', clientScript, {});
      children.push(senderChild);
      const viewers: BenchChild[] = [];
      for (let i = 1; i <= VIEWER_PROCESSES; i++) viewers.push(await ctx.startChild(`chat-viewers-${i}`, clientScript, {}));
      children.push(...viewers);

      const targets: Record<Kind, ChatTarget> = {
        golive: { kind: 'golive', url: stack.baseUrl, sessionId },
        ws: { kind: 'ws', url: `ws://127.0.0.1:${ws.ready.port}` },
      };
      const servers: Record<Kind, BenchChild> = { golive: stack.golive, ws };
      const pids: Record<string, number> = {
        golive: stack.golive.pid,
        'ws-server': ws.pid,
        sender: senderChild.pid,
        ...Object.fromEntries(viewers.map((v, i) => [`viewers-${i + 1}`, v.pid])),
      };
      const allPids = Object.values(pids);
      const send = (kind: Kind, tag: string, count: number, ratePerSec: number) =>
        senderChild.call<SendResult>('send', { kind, sessionId, tag, ratePerSec, count, textChars: TEXT_CHARS });

      for (const kind of ['golive', 'ws'] as const) {
        const opened = await senderChild.call<ConnectResult>('connect', { target: targets[kind], tokens: [sender.token], concurrency: 1 });
        if (opened.connected !== 1) throw new Error(`the ${kind} sender could not connect: ${opened.errors.join('; ')}`);
        const history = await send(kind, 'history', quick ? 10 : HISTORY_MESSAGES, 25);
        if (history.accepted !== history.sent) throw new Error(`${kind} refused history messages: ${history.errors.join(', ')}`);
      }
      const readMemory = async (): Promise<Memory> => {
        await settle(allPids, { timeoutMs: 10_000 });
        await new Promise((r) => setTimeout(r, IDLE_BEFORE_RSS_MS));
        const asFound = { golive: vmRssKb(stack.golive.pid), ws: vmRssKb(ws.pid) };
        // Twice, and then a pause: V8 sweeps and gives pages back to the OS on other threads, after the GC returns.
        const collect = async (pressure: boolean) => {
          const usage = await Promise.all([
            stack.golive.call<NodeJS.MemoryUsage | null>('gc', { pressure }),
            ws.call<NodeJS.MemoryUsage | null>('gc', { pressure }),
          ]);
          await new Promise((r) => setTimeout(r, 1_000));
          return usage;
        };
        await collect(false);
        const [goliveUsage, wsUsage] = await collect(false);
        if (!goliveUsage || !wsUsage) throw new Error('the servers were not started with --expose-gc');
        const afterGc = { golive: vmRssKb(stack.golive.pid), ws: vmRssKb(ws.pid) };
        // V8 keeps the pages its young generation grew into while viewers connected, pooled for
        // reuse, until memory is short: a one-off that no viewer's objects hold, and what moved the
        // RSS slope after a full GC by tens of KB per viewer from run to run.
        const [golivePressure, wsPressure] = await collect(true);
        if (!golivePressure || !wsPressure) throw new Error('the servers were not started with --expose-gc');
        return {
          asFound,
          afterGc,
          afterPressureGc: { golive: vmRssKb(stack.golive.pid), ws: vmRssKb(ws.pid) },
          heapUsed: { golive: golivePressure.heapUsed / 1024, ws: wsPressure.heapUsed / 1024 },
        };
      };
      const idle = await readMemory();
      ctx.log(`P3 idle RSS (as found / after GC / after a memory-pressure GC): ${describeMemory(idle, idle)}`);

      // Connect ramp: RSS of each server with N idle viewers, before any fan-out traffic.
      const connected: Record<Kind, number> = { golive: 0, ws: 0 };
      const connectFailures: string[] = [];
      const connectTo = async (kind: Kind, count: number): Promise<number> => {
        const tokens =
          kind === 'golive' ? viewerTokens.slice(connected[kind], count) : Array.from({ length: count - connected[kind] }, () => '');
        const started = performance.now();
        const results = await Promise.all(
          viewers.map((child, i) =>
            child.call<ConnectResult>('connect', {
              target: targets[kind],
              // By the viewer's overall index, so each child holds the same share at every step (disconnectTo relies on it).
              tokens: tokens.filter((_, t) => (connected[kind] + t) % viewers.length === i),
              concurrency: CONNECT_CONCURRENCY,
            }),
          ),
        );
        const seconds = (performance.now() - started) / 1000;
        const ok = results.reduce((n, r) => n + r.connected, 0);
        connected[kind] += ok;
        for (const r of results) connectFailures.push(...r.errors.map((e) => `${kind}: ${e}`));
        ctx.log(
          `P3 ${kind}: ${connected[kind]} viewers connected (+${ok} in ${seconds.toFixed(1)} s${ok < tokens.length ? `, ${tokens.length - ok} failed` : ''})`,
        );
        return ok / seconds;
      };
      const memory: MemoryAt[] = [];
      for (const viewerCount of steps) {
        const connectPerSec = { golive: await connectTo('golive', viewerCount), ws: await connectTo('ws', viewerCount) };
        const at: MemoryAt = { viewers: viewerCount, connectPerSec, ...(await readMemory()) };
        memory.push(at);
        ctx.log(`P3 RSS with ${viewerCount} idle viewers: ${describeMemory(at, idle)}`);
      }

      const peakConnected = connected.golive;

      let phaseNo = 0;
      const drops: string[] = [];
      const phase = async (kind: Kind, count: number, ratePerSec = SEND_RATE_PER_SEC): Promise<Phase> => {
        const tag = `${kind}${++phaseNo}`;
        await settle(allPids, { timeoutMs: 5_000 });
        await servers[kind].stats(); // resets its event-loop delay histogram
        const { result, cores } = await withCpuShare(pids, async () => {
          const sent = await send(kind, tag, count, ratePerSec);
          const collected = await Promise.all(
            viewers.map((v) => v.call<CollectResult>('collect', { kind, tag, expectedPerConnection: sent.accepted, timeoutMs: 15_000 })),
          );
          return { sent, collected };
        });
        const serverStats = await servers[kind].stats();
        const { sent, collected } = result;
        if (sent.errors.length > 0) ctx.log(`P3 ${kind} send errors: ${sent.errors.join(', ')}`);
        drops.push(...collected.flatMap((c) => c.dropped));
        const latencies = collected.flatMap((c) => c.latenciesMs);
        const received = collected.reduce((n, c) => n + c.received, 0);
        const expected = connected[kind] * sent.sent;
        const lastReceiveNs = collected.reduce((max, c) => (BigInt(c.lastReceiveNs) > max ? BigInt(c.lastReceiveNs) : max), 0n);
        const spanSec = Number(lastReceiveNs - BigInt(sent.firstSendNs)) / 1e9;
        const perSec = spanSec > 0 ? received / spanSec : Number.NaN;
        const summary = summarizeLatencies(latencies);
        const serverCores = cores[kind === 'golive' ? 'golive' : 'ws-server'] ?? Number.NaN;
        const figures: Figures = {
          reqPerSec: perSec,
          p50: summary.p50,
          p95: summary.p95,
          p99: summary.p99,
          max: summary.max,
          count: received,
          failed: expected - received,
          cpuCores: cores,
          serverCpuUsPerRequest: (serverCores / perSec) * 1e6,
          eventLoopDelayP99Ms: serverStats.eventLoopDelayMs.p99,
        };
        ctx.log(
          `P3 ${kind} ${connected[kind]} viewers, ${ratePerSec} msg/s: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, ` +
            `${Math.round(perSec)} deliveries/s, ${received}/${expected} delivered, server ${serverCores.toFixed(2)} cores, ` +
            `event-loop p99 ${serverStats.eventLoopDelayMs.p99.toFixed(1)} ms`,
        );
        return {
          figures,
          lost: expected - received,
          ...(kind === 'golive' ? { ackP99Ms: percentile(sent.ackLatenciesMs, 99) } : {}),
        };
      };
      const disconnectTo = async (count: number) => {
        for (const kind of ['golive', 'ws'] as const) {
          const left = await Promise.all(
            viewers.map((v, i) =>
              v.call<number>('disconnect', { kind, keep: Math.floor(count / viewers.length) + (i < count % viewers.length ? 1 : 0) }),
            ),
          );
          connected[kind] = left.reduce((a, b) => a + b, 0);
        }
      };

      // Latency, from the largest step down.
      ctx.log('P3 warm-up');
      await phase('golive', Math.min(messages, 8));
      await phase('ws', Math.min(messages, 8));
      const ramp: { viewers: number; golive: Phase[]; ws: Phase[] }[] = [];
      const probes: { rate: number; golive: Phase; ws: Phase }[] = [];
      for (const [index, viewerCount] of [...steps].reverse().entries()) {
        await disconnectTo(viewerCount);
        const rounds = viewerCount === top ? topRounds : 1;
        const done = { viewers: viewerCount, golive: [] as Phase[], ws: [] as Phase[] };
        for (let round = 0; round < rounds; round++) {
          const order: Kind[] = (index + round) % 2 === 0 ? ['golive', 'ws'] : ['ws', 'golive'];
          for (const kind of order) done[kind].push(await phase(kind, messages));
        }
        ramp.unshift(done);
        if (viewerCount !== top || quick) continue;
        for (const [i, rate] of PROBE_RATES_PER_SEC.entries()) {
          const order: Kind[] = i % 2 === 0 ? ['ws', 'golive'] : ['golive', 'ws'];
          const probe = {} as Record<Kind, Phase>;
          for (const kind of order) probe[kind] = await phase(kind, rate * PROBE_SECONDS, rate);
          probes.push({ rate, ...probe });
        }
      }
      const measurements: Measurement[] = ramp.flatMap((step) => [
        measurementOf(
          `golive, ${step.viewers.toLocaleString('en-US')} viewers (req/s = deliveries/s)`,
          'golive',
          step.golive.map((p) => p.figures),
        ),
        measurementOf(
          `bare ws broadcast, ${step.viewers.toLocaleString('en-US')} clients (req/s = deliveries/s)`,
          'baseline',
          step.ws.map((p) => p.figures),
        ),
      ]);
      const lastGolive = measurements.at(-2) as Measurement;
      const lastWs = measurements.at(-1) as Measurement;
      for (const probe of probes) {
        const viewers = top.toLocaleString('en-US');
        measurements.push(
          measurementOf(`golive, ${viewers} viewers, ${probe.rate} messages/s (saturation probe)`, 'golive', [probe.golive.figures]),
          measurementOf(`bare ws broadcast, ${viewers} clients, ${probe.rate} messages/s (saturation probe)`, 'baseline', [
            probe.ws.figures,
          ]),
        );
      }
      const ratio = pairedRatio(lastGolive, lastWs, (f) => f.p99);
      const topMemory = memory.at(-1) as MemoryAt;
      const firstMemory = memory[0] as MemoryAt;
      // The slope from the first step to the last: what each further viewer costs. (RSS at N − RSS
      // idle) ÷ N also carries the one-off growth when the first viewers arrive (young-generation
      // semi-spaces, compiled code), which no further viewer adds; both are reported.
      const slope = (kb: (m: MemoryAt) => number) => (kb(topMemory) - kb(firstMemory)) / (topMemory.viewers - firstMemory.viewers);
      const kbPerViewer = slope((m) => m.afterPressureGc.golive);
      const kbPerWsClient = slope((m) => m.afterPressureGc.ws);
      const kbPerViewerAfterGc = slope((m) => m.afterGc.golive);
      const kbPerWsClientAfterGc = slope((m) => m.afterGc.ws);
      const kbPerViewerAsFound = slope((m) => m.asFound.golive);
      const kbPerWsClientAsFound = slope((m) => m.asFound.ws);
      const goliveDrops = drops.filter((d) => d.startsWith('golive'));
      const lost = ramp.reduce((n, s) => n + s.golive.reduce((m, p) => m + p.lost, 0), 0) + probes.reduce((n, p) => n + p.golive.lost, 0);
      const heapPerViewer = slope((m) => m.heapUsed.golive);
      const heapPerWsClient = slope((m) => m.heapUsed.ws);
      const topLabel = top.toLocaleString('en-US');
      const checks: Check[] = [
        {
          label: `golive p99 ÷ bare ws p99 at ${topLabel} viewers`,
          measured: ratio,
          unit: '×',
          target: `≤ ${P99_RATIO_TARGET}×`,
          pass: ratio <= P99_RATIO_TARGET,
        },
        {
          label: `golive p99 at ${topLabel} viewers`,
          measured: lastGolive.median.p99,
          unit: 'ms',
          target: `≤ ${P99_TARGET_MS} ms`,
          pass: lastGolive.median.p99 <= P99_TARGET_MS,
        },
        {
          label: `golive RSS per further idle viewer (after a memory-pressure GC), ${firstMemory.viewers.toLocaleString('en-US')} → ${topLabel}`,
          measured: kbPerViewer,
          unit: 'KB',
          target: `≤ ${KB_PER_VIEWER_TARGET} KB`,
          pass: kbPerViewer <= KB_PER_VIEWER_TARGET,
        },
        {
          label: 'golive viewers connected and subscribed',
          measured: peakConnected,
          unit: '',
          target: String(top),
          pass: peakConnected === top,
        },
        { label: 'golive deliveries lost (all steps)', measured: lost, unit: '', target: '0', pass: lost === 0 },
        {
          label: 'golive viewers dropped while connected',
          measured: goliveDrops.length,
          unit: '',
          target: '0',
          pass: goliveDrops.length === 0,
        },
      ];

      const notes = [
        'Memory (VmRSS, idle viewers, before any fan-out; as found / after a full GC / after a memory-pressure GC): no viewer: ' +
          `${describeMemory(idle, idle)}. ` +
          memory.map((m) => `${m.viewers.toLocaleString('en-US')} viewers: ${describeMemory(m, idle)}`).join('; ') +
          `. Each further viewer from ${firstMemory.viewers.toLocaleString('en-US')} to ${topLabel}, after a memory-pressure GC: golive ` +
          `${kbPerViewer.toFixed(1)} KB, the bare ws server ${kbPerWsClient.toFixed(1)} KB per client (${(kbPerViewer / kbPerWsClient).toFixed(1)}×); ` +
          `after a full GC: golive ${kbPerViewerAfterGc.toFixed(1)} KB, ws ${kbPerWsClientAfterGc.toFixed(1)} KB; as found: golive ` +
          `${kbPerViewerAsFound.toFixed(1)} KB, ws ${kbPerWsClientAsFound.toFixed(1)} KB. As found, RSS depends on when V8 last collected ` +
          'garbage; after a full GC it still holds the free pages V8 keeps pooled (the young generation grows while viewers connect ' +
          'and shrinks again, keeping its pages until memory is short), a one-off that moves from step to step; the memory-pressure ' +
          'GC (the one V8 runs when memory is short) unmaps them, so what is left is what the viewers hold. Live JavaScript heap ' +
          `(heapUsed) per further viewer: golive ${heapPerViewer.toFixed(1)} KB, ws ${heapPerWsClient.toFixed(1)} KB; the rest of the RSS ` +
          'per viewer is native memory (sockets, buffers) and V8 heap capacity beyond the live objects.',
        `Connecting (WebSocket upgrade, JWT check, session.subscribe with ${HISTORY_MESSAGES} messages of history): golive took ` +
          `${memory.map((m) => `${Math.round(m.connectPerSec.golive)}/s`).join(', ')} viewers per step; the ws server accepted ` +
          `${memory.map((m) => `${Math.round(m.connectPerSec.ws)}/s`).join(', ')}.`,
        `golive's sender ack (chat.send → ack, including the PostgreSQL transaction) p99: ${ramp
          .map(
            (s) =>
              `${s.viewers.toLocaleString('en-US')} viewers ${fmtMs(median(s.golive.flatMap((p) => (p.ackP99Ms === undefined ? [] : [p.ackP99Ms]))))} ms`,
          )
          .join('; ')}.`,
        `Offered load: ${SEND_RATE_PER_SEC} messages/s reach every viewer, so deliveries/s = ${SEND_RATE_PER_SEC} × viewers while nothing ` +
          'lags; fewer deliveries/s with a rising p99 is saturation. Every process shares the same 2 cores, so what the clients ' +
          '(viewers-*) use is taken from the servers too; the CPU column shows who used what.',
        ...(connectFailures.length > 0 ? [`Connection failures: ${connectFailures.slice(0, 5).join('; ')}`] : []),
        ...(drops.length > 0 ? [`Connections dropped during the measurements: ${drops.slice(0, 5).join('; ')}`] : []),
      ];
      return {
        measurements,
        checks,
        notes,
        settings: {
          'viewer steps': steps.join(', '),
          'rounds at the largest': topRounds,
          'client processes': `${VIEWER_PROCESSES} viewers + 1 sender`,
          'messages/s': SEND_RATE_PER_SEC,
          'messages per measurement': messages,
          'saturation probe (messages/s)': quick ? 'none' : PROBE_RATES_PER_SEC.join(', '),
          'text characters': TEXT_CHARS,
        },
      };
    } finally {
      for (const child of children.reverse()) await child.stop();
      await stack.stop();
      if (ctx.options.profile) {
        const file = newestProfile(join(RESULTS_DIR, 'profiles'));
        if (file) console.log(renderProfile(summarizeProfile(file, { fromUs: stack.golive.ready.readyAtUs, top: 25 })));
      }
    }
  },
};

/** VmRSS of a process, in KB, from /proc. */
function vmRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
}

function mb(kb: number): string {
  return (kb / 1024).toFixed(0);
}

function perViewer(kb: number, idleKb: number, viewers: number): string {
  return viewers === 0 ? '–' : ((kb - idleKb) / viewers).toFixed(1);
}

/** "golive 395 / 380 / 300 MB (37.5 / 34.0 / 18.2 KB each), ws …": as found / after GC / after a memory-pressure GC. */
function describeMemory(m: Memory & { viewers?: number }, idle: Memory): string {
  const viewers = m.viewers ?? 0;
  const readings = ['asFound', 'afterGc', 'afterPressureGc'] as const;
  const one = (kind: Kind) =>
    `${kind} ${readings.map((r) => mb(m[r][kind])).join(' / ')} MB` +
    (viewers > 0 ? ` (${readings.map((r) => perViewer(m[r][kind], idle[r][kind], viewers)).join(' / ')} KB each)` : '');
  return `${one('golive')}, ${one('ws')}`;
}

function fmtMs(v: number): string {
  return Number.isNaN(v) ? '–' : v.toFixed(1);
}
