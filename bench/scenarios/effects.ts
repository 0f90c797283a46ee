import { join } from 'node:path';
import { measurementOf } from '../lib/measure.ts';
import { withCpuShare } from '../lib/proc.ts';
import { histogramDelta, histogramOf, quantileOf } from '../lib/prom.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { summarizeLatencies } from '../lib/stats.ts';
import type { BanSample, BanSampleJob, BanSetupJob } from '../load/media-jobs.ts';
import { type JoinGrantBody, requestJson, userTokens } from './http.ts';
import type { Figures, Scenario } from './types.ts';

const RECONNECT_TARGET_MS = 1_000;
const LAG = 'golive_effect_start_lag_seconds';

export const effectsScenario: Scenario = {
  id: 'effects',
  brief: 'issue 9',
  title: 'effects: commit → LiveKit command, ban → removal, a banned reconnect removed',
  target: `a banned user's reconnect with its old token removed within ${RECONNECT_TARGET_MS} ms (p95); effect latency reported`,
  method:
    'golive runs in its own process; a ban-clients child (@livekit/rtc-node) holds the viewers and sends the host’s HTTP calls, so ' +
    'the ban request and the viewer’s Room share a clock. Each golive sample: a fresh viewer joins through golive and connects; the ' +
    'host bans it (POST /v1/sessions/{id}/bans), timed until the viewer’s Room is disconnected; then the viewer reconnects with its ' +
    'pre-ban token (which LiveKit accepts), timed from connected until golive’s webhook layer has it removed again; then it is ' +
    'unbanned (untimed). The baseline removes the same kind of viewer with RoomServiceClient.removeParticipant from the same ' +
    'child, timed the same way. Arms alternate. The commit → LiveKit command figure is golive’s own histogram ' +
    `${LAG}{path="fast"} (from the transaction that recorded the effect to the start of its run, so it includes that ` +
    'transaction), read from /metrics before and after, quantiles interpolated within its buckets.',

  async run(ctx) {
    const quick = ctx.options.quick;
    const samplesPerArm = quick ? 5 : 30;
    const stack = await ctx.stack();
    const clients = await ctx.startChild('ban-clients', join(BENCH_ROOT, 'load/ban-clients.ts'), {});
    try {
      const [host] = await userTokens('bench-effects-host', 1);
      if (!host) throw new Error('no host token');
      const created = await requestJson<JoinGrantBody>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
        title: 'effects benchmark',
        mode: 'broadcast',
        visibility: 'public',
      });
      if (created.status !== 201) throw new Error(`could not start the session: ${created.status} ${JSON.stringify(created.body)}`);
      const sessionId = created.body.session.id;
      await clients.call('setup', {
        baseUrl: stack.baseUrl,
        sessionId,
        livekit: { apiUrl: stack.livekit.apiUrl, apiKey: stack.livekit.apiKey, apiSecret: stack.livekit.apiSecret },
        hostBearer: host.token,
      } satisfies BanSetupJob);
      const viewers = await userTokens('bench-effects-viewer', samplesPerArm * 2 + 2);
      let next = 0;
      const take = (arm: BanSampleJob['arm']) => {
        const viewer = viewers[next++];
        if (!viewer) throw new Error('out of viewers');
        return clients.call<BanSample>('sample', { arm, viewer: { userId: viewer.userId, bearer: viewer.token } } satisfies BanSampleJob);
      };
      await take('golive');
      await take('direct');

      const scrape = async () => (await fetch(`${stack.baseUrl}/metrics`)).text();
      const before = await scrape();
      const samples: BanSample[] = [];
      const pids = { golive: stack.golive.pid, 'livekit-server': stack.livekitPid, 'ban-clients': clients.pid };
      const { cores } = await withCpuShare(pids, async () => {
        for (let i = 0; i < samplesPerArm; i++) {
          for (const arm of i % 2 === 0 ? (['golive', 'direct'] as const) : (['direct', 'golive'] as const)) samples.push(await take(arm));
        }
      });
      const after = await scrape();
      const lagOf = (kind: string) =>
        histogramDelta(histogramOf(after, LAG, { kind, path: 'fast' }), histogramOf(before, LAG, { kind, path: 'fast' }));

      const figures = (values: number[]): Figures => {
        const l = summarizeLatencies(values);
        return { p50: l.p50, p95: l.p95, p99: l.p99, max: l.max, count: values.length, failed: 0, cpuCores: cores };
      };
      const lagFigures = (kind: string): Figures => {
        const h = lagOf(kind);
        const ms = (q: number) => quantileOf(h, q) * 1000;
        return { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99), max: ms(1), count: h.count, failed: 0, cpuCores: cores };
      };
      const golive = samples.filter((s) => s.arm === 'golive');
      const direct = samples.filter((s) => s.arm === 'direct');
      const removed = measurementOf('golive ban → viewer disconnected', 'golive', [figures(golive.map((s) => s.removedMs))]);
      const removedDirect = measurementOf('RoomServiceClient.removeParticipant → viewer disconnected', 'baseline', [
        figures(direct.map((s) => s.removedMs)),
      ]);
      const answered = measurementOf('golive ban → HTTP 201', 'golive', [figures(golive.map((s) => s.answeredMs))]);
      const reconnect = measurementOf('banned reconnect (old token) connected → removed', 'golive', [
        figures(golive.map((s) => s.reconnectRemovedMs ?? Number.NaN)),
      ]);
      const updateLag = measurementOf('commit → LiveKit UpdateParticipant sent (golive histogram)', 'golive', [
        lagFigures('livekit.participant.update'),
      ]);
      const removeLag = measurementOf('commit → LiveKit RemoveParticipant sent (after the update, same lane)', 'golive', [
        lagFigures('livekit.participant.remove'),
      ]);
      return {
        measurements: [removed, removedDirect, answered, reconnect, updateLag, removeLag],
        checks: [
          {
            label: 'banned reconnect removed, p95',
            measured: reconnect.median.p95,
            unit: 'ms',
            target: `≤ ${RECONNECT_TARGET_MS} ms`,
            pass: reconnect.median.p95 <= RECONNECT_TARGET_MS,
          },
        ],
        notes: [
          `commit → first LiveKit command of a ban: p50 ${updateLag.median.p50.toFixed(2)} ms, p99 ${updateLag.median.p99.toFixed(2)} ms ` +
            `(${updateLag.median.count} effects on the fast path); the removal follows the grant update on the same participant's ` +
            `lane: p50 ${removeLag.median.p50.toFixed(2)} ms, p99 ${removeLag.median.p99.toFixed(2)} ms.`,
          `ban → disconnected p50 ${removed.median.p50.toFixed(1)} ms vs removeParticipant → disconnected p50 ` +
            `${removedDirect.median.p50.toFixed(1)} ms: golive adds ${(removed.median.p50 - removedDirect.median.p50).toFixed(1)} ms.`,
          'The banned reconnect is removed by golive when LiveKit’s participant_joined webhook arrives: the figure is LiveKit’s webhook ' +
            'delay plus one unit of work and the removal effect.',
        ],
        settings: { 'samples per arm': golive.length, 'clients process': 'ban-clients (rtc-node, one child process)' },
      };
    } finally {
      await clients.stop();
    }
  },
};
