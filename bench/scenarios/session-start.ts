import { randomUUID } from 'node:crypto';
import { RoomServiceClient } from 'livekit-server-sdk';
import { figuresOf, measurementOf, pairedRatio } from '../lib/measure.ts';
import { settle, withCpuShare } from '../lib/proc.ts';
import type { BenchStack } from '../lib/stack.ts';
import type { CreateRoomsJob, LoadResult, RequestsJob } from '../load/jobs.ts';
import { forEachLimited, type JoinGrantBody, requestJson, userTokens } from './http.ts';
import type { BenchContext, Check, Figures, Measurement, Scenario } from './types.ts';

const P95_TARGET_MS = 100;
/** Starts in flight at once, besides one at a time. */
const CONCURRENCY_LEVELS = [8, 16];
// golive's defaults (config.ts), so the baseline asks LiveKit for the same room.
const ROOM_EMPTY_TIMEOUT_SEC = 300;
const ROOM_DEPARTURE_TIMEOUT_SEC = 60;

type Pattern = { name: string; concurrency: number; perRound: number };

export const sessionStartScenario: Scenario = {
  id: 'session-start',
  brief: 'P2',
  title: 'session start, including LiveKit room creation',
  target: `p95 ≤ ${P95_TARGET_MS} ms`,
  method:
    'The load-generator process sends POST /v1/sessions, each by a distinct user (a JWT per user), one at a time, then ' +
    `${CONCURRENCY_LEVELS.join(' and ')} at a time. golive authenticates and checks (one read) that the host may start, creates the ` +
    'LiveKit room under a fresh id (CreateRoom, before any transaction: a room nobody can join until the session commits), then ' +
    'in one transaction takes the per-host advisory lock, checks again, writes the session, its host membership, its audit event ' +
    'and its max-duration job (an outbox row), and commits; a refused start deletes the room again. The baseline is ' +
    'livekit-server-sdk RoomServiceClient.createRoom called from the load-generator process against the same livekit-server, with ' +
    "the same room options: raw room creation, so the difference is golive's overhead. Subject and baseline alternate in each " +
    'round; sessions and rooms are ended and deleted between rounds (untimed) and golive and livekit-server left to go idle, ' +
    'so every round starts from the same state.',
  findings: [
    '16 concurrent misses on this VM (2026-12-01, shared with other work at a 1-minute load average of 8–18 on its 2 cores): ' +
      'golive p95 194–467 ms in six runs, one of them `npm run bench -- session-start --profile --rounds 2`. The raw ' +
      'RoomServiceClient.createRoom baseline varied from p95 28 ms (load 11, golive 194 ms in the same run) to 436 ms (load 18), ' +
      'so at the busiest moments LiveKit’s own room creation missed 100 ms too, but not in every run: golive adds 64–138 ms ' +
      'at the median at 16 concurrent, while using only 0.33–0.49 cores. Where that time goes, from a scratch run with golive ' +
      'in-process and its phases timed (16 at a time, 96 starts, four runs): CreateRoom p50 16–30 ms; the start transaction ' +
      '(from taking a pooled connection to COMMIT) p50 75–122 ms and p95 96–335 ms, against 10.5 ms one at a time; the rest ' +
      '(auth, the first check, the host token, the answer, and the in-process client) ~50–100 ms. So the transaction is the queue: about eight round trips ' +
      '(BEGIN, the advisory lock, the check, the session, its member, its event, its expiry job, COMMIT), each waiting for a ' +
      'PostgreSQL backend that competes for the same two cores with golive, livekit-server and the load. DATABASE_POOL_SIZE 32 ' +
      'instead of 10 (alternating runs, in the bench and in the scratch run) changed nothing consistently: not a pool wait. In ' +
      'the profile, golive’s own CPU per start is the PostgreSQL round trips (19% inclusive in pg’s query, writev the largest ' +
      'self time: one socket write per statement), verifying LiveKit’s room_started and room_finished webhooks that every start ' +
      'and end causes (9%; room_started is then ignored), WebCrypto JWT jobs (6%: the user’s JWT, the host’s LiveKit token, the ' +
      'Twirp call’s token) and logging (4%). Next levers, none tried: the start’s rows in one statement (CTEs: one round trip ' +
      'instead of five), not verifying deliveries whose event type golive ignores (nothing is trusted or changed for them), ' +
      'and a measurement on a quiet machine (the final run).',
  ],

  async run(ctx) {
    const quick = ctx.options.quick;
    const rounds = quick ? 1 : ctx.options.rounds;
    const patterns: Pattern[] = [
      { name: 'sequential', concurrency: 1, perRound: quick ? 10 : 30 },
      ...CONCURRENCY_LEVELS.map((c) => ({ name: `${c} concurrent`, concurrency: c, perRound: quick ? 2 * c : 8 * c })),
    ];
    const stack = await ctx.stack();
    const load = await ctx.loadGenerator();
    const rooms = new RoomServiceClient(stack.livekit.apiUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
    const pids = { golive: stack.golive.pid, 'livekit-server': stack.livekitPid, load: load.pid };
    let batch = 0;

    const startSessions = async (count: number, concurrency: number): Promise<{ figures: Figures; cleanup: () => Promise<void> }> => {
      const hosts = await userTokens(`bench-host-${batch++}`, count);
      const job: RequestsJob = {
        concurrency,
        keepBodies: true,
        requests: hosts.map((h) => ({
          method: 'POST',
          url: `${stack.baseUrl}/v1/sessions`,
          headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'P2 session start', mode: 'broadcast', visibility: 'public' }),
        })),
      };
      await stack.golive.stats();
      const { result, cores } = await withCpuShare(pids, () => load.call<LoadResult>('requests', job));
      const stats = await stack.golive.stats();
      const started = (result.bodies ?? []).flatMap((body, i) => {
        const token = hosts[i]?.token;
        const grant = safeJson<JoinGrantBody>(body);
        return token && grant?.session?.id ? [{ token, id: grant.session.id }] : [];
      });
      return {
        figures: figuresOf(result, cores, { eventLoopDelayP99Ms: stats.eventLoopDelayMs.p99 }),
        cleanup: () => endSessions(stack, started),
      };
    };

    const createRooms = async (count: number, concurrency: number): Promise<{ figures: Figures; cleanup: () => Promise<void> }> => {
      const names = Array.from({ length: count }, () => randomUUID());
      const job: CreateRoomsJob = {
        concurrency,
        apiUrl: stack.livekit.apiUrl,
        apiKey: stack.livekit.apiKey,
        apiSecret: stack.livekit.apiSecret,
        rooms: names.map((name) => ({
          name,
          emptyTimeout: ROOM_EMPTY_TIMEOUT_SEC,
          departureTimeout: ROOM_DEPARTURE_TIMEOUT_SEC,
          metadata: JSON.stringify({ sessionId: name, mode: 'broadcast' }),
        })),
      };
      const { result, cores } = await withCpuShare(pids, () => load.call<LoadResult>('createRooms', job));
      return {
        figures: figuresOf(result, cores),
        cleanup: () => forEachLimited(names, 4, (name) => rooms.deleteRoom(name).catch(() => undefined)),
      };
    };

    ctx.log('P2 warm-up');
    for (const pattern of patterns) {
      await (await startSessions(pattern.concurrency * 2, pattern.concurrency)).cleanup();
      await (await createRooms(pattern.concurrency * 2, pattern.concurrency)).cleanup();
    }
    await settle([stack.golive.pid, stack.livekitPid]);

    const measurements: Measurement[] = [];
    const checks: Check[] = [];
    for (const pattern of patterns) {
      const golive: Figures[] = [];
      const baseline: Figures[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['golive', 'baseline'] as const) : (['baseline', 'golive'] as const);
        for (const which of order) {
          const run = which === 'golive' ? startSessions : createRooms;
          const { figures, cleanup } = await run(pattern.perRound, pattern.concurrency);
          (which === 'golive' ? golive : baseline).push(figures);
          await cleanup();
          await settle([stack.golive.pid, stack.livekitPid]);
          logRound(ctx, `P2 ${pattern.name} round ${round + 1}/${rounds} ${which}`, figures);
        }
      }
      const goliveM = measurementOf(`golive POST /v1/sessions, ${pattern.name}`, 'golive', golive);
      const baselineM = measurementOf(`RoomServiceClient.createRoom, ${pattern.name}`, 'baseline', baseline);
      measurements.push(goliveM, baselineM);
      checks.push(
        {
          label: `golive p95, ${pattern.name}`,
          measured: goliveM.median.p95,
          unit: 'ms',
          target: `≤ ${P95_TARGET_MS} ms`,
          pass: goliveM.median.p95 <= P95_TARGET_MS,
        },
        {
          label: `golive failed starts, ${pattern.name}`,
          measured: goliveM.median.failed,
          unit: '',
          target: '0',
          pass: goliveM.median.failed === 0,
        },
      );
      const overhead = goliveM.median.p50 - baselineM.median.p50;
      const ratio = pairedRatio(goliveM, baselineM, (f) => f.p50);
      ctx.log(`P2 ${pattern.name}: golive p50 is ${overhead.toFixed(1)} ms (${ratio.toFixed(1)}×) over raw room creation`);
    }
    return {
      measurements,
      checks,
      notes: [
        ...overheadNotes(measurements),
        "golive's CPU during the baseline rows is its webhook receiver: livekit-server posts room_started to golive for every " +
          'room, including those the baseline creates directly.',
      ],
      settings: {
        rounds,
        ...Object.fromEntries(patterns.map((p) => [`starts per round, ${p.name}`, p.perRound])),
      },
    };
  },
};

/** golive's overhead over raw room creation, per pattern, in words for the report. */
function overheadNotes(measurements: Measurement[]): string[] {
  const notes: string[] = [];
  for (let i = 0; i + 1 < measurements.length; i += 2) {
    const golive = measurements[i];
    const baseline = measurements[i + 1];
    if (!golive || !baseline) continue;
    const ratio = pairedRatio(golive, baseline, (f) => f.p50);
    notes.push(
      `${golive.label}: p50 ${golive.median.p50.toFixed(1)} ms vs ${baseline.median.p50.toFixed(1)} ms for raw room creation ` +
        `(+${(golive.median.p50 - baseline.median.p50).toFixed(1)} ms, ${ratio.toFixed(1)}× median of paired rounds).`,
    );
  }
  return notes;
}

async function endSessions(stack: BenchStack, sessions: { token: string; id: string }[]): Promise<void> {
  await forEachLimited(sessions, 4, async ({ token, id }) => {
    const res = await requestJson('POST', `${stack.baseUrl}/v1/sessions/${id}/end`, token);
    if (res.status !== 200) throw new Error(`could not end bench session ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
}

function logRound(ctx: BenchContext, what: string, f: Figures): void {
  ctx.log(
    `${what}: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms${f.failed ? `, ${f.failed} failed` : ''}`,
  );
}

function safeJson<T>(text: string | undefined): T | null {
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}
