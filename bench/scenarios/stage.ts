import { join } from 'node:path';
import { measurementOf } from '../lib/measure.ts';
import { withCpuShare } from '../lib/proc.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { median, summarizeLatencies } from '../lib/stats.ts';
import type { StageSample, StageSampleJob, StageSetupJob } from '../load/media-jobs.ts';
import { type JoinGrantBody, requestJson, userTokens } from './http.ts';
import type { Figures, Scenario } from './types.ts';

const P95_TARGET_MS = 300;
const SEED_TARGET_MS = 500;
const VIEWERS = 8;
const MAX_GUESTS = 20;

export const stageScenario: Scenario = {
  id: 'stage',
  brief: 'P5',
  title: 'stage approval → the guest may publish',
  target: `p95 ≤ ${P95_TARGET_MS} ms from the host's approval to the publish grant being live on the guest's connection (seed: < ${SEED_TARGET_MS} ms)`,
  method:
    `golive runs in its own process; ${VIEWERS} viewers, a watcher and the host's HTTP calls run in one stage-clients child process ` +
    '(@livekit/rtc-node), so the approve request and the guest’s Room share a clock. Each golive sample: a connected viewer asks ' +
    '(POST /v1/sessions/{id}/stage/requests, untimed), then the host’s POST …/stage/requests/{requestId}/approve is sent and the ' +
    "clock runs until the viewer's own Room receives ParticipantAttributesChanged with golive.role = 'guest' for itself: LiveKit " +
    'applies UpdateParticipant’s permission and attributes in one update, so that is the moment the guest may publish, on the same ' +
    'connection. golive locks the session, checks maxGuests and the approver’s role under the lock, records the decision, the role, ' +
    'the audit events and the effects in one PostgreSQL transaction, answers, and runs the UpdateParticipant effect at once after ' +
    'the commit (the outbox retries it if LiveKit fails). The baseline sends the same permission, ' +
    'metadata and attributes with livekit-server-sdk RoomServiceClient.updateParticipant from the same child to the same ' +
    'livekit-server, timed the same way: the difference is golive’s overhead. Arms alternate sample by sample, viewers take turns, ' +
    'and after each sample the guest is turned back into a viewer (PUT …/participants/{userId}/role for golive, updateParticipant ' +
    `for the baseline; untimed) so the stage never fills (maxGuests is raised to ${MAX_GUESTS} anyway). On a few samples of each ` +
    'arm the new guest publishes a 320×180 track on the same connection and the watcher decodes a frame of it.',

  async run(ctx) {
    const quick = ctx.options.quick;
    const samplesPerArm = quick ? 10 : 60;
    const warmupPerArm = quick ? 2 : 5;
    const verifyEvery = quick ? 5 : 12;
    const stack = await ctx.stack();
    const clients = await ctx.startChild('stage-clients', join(BENCH_ROOT, 'load/stage-clients.ts'), {});
    try {
      const [host] = await userTokens('bench-stage-host', 1);
      if (!host) throw new Error('no host token');
      const created = await requestJson<JoinGrantBody>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
        title: 'P5 stage benchmark',
        mode: 'broadcast',
        visibility: 'public',
        settings: { maxGuests: MAX_GUESTS },
      });
      if (created.status !== 201) throw new Error(`could not start the P5 session: ${created.status} ${JSON.stringify(created.body)}`);
      const sessionId = created.body.session.id;
      const viewers = await userTokens('bench-stage-viewer', VIEWERS);
      const [watcher] = await userTokens('bench-stage-watcher', 1);
      if (!watcher) throw new Error('no watcher token');
      await clients.call('setup', {
        baseUrl: stack.baseUrl,
        sessionId,
        livekit: { apiUrl: stack.livekit.apiUrl, apiKey: stack.livekit.apiKey, apiSecret: stack.livekit.apiSecret },
        hostBearer: host.token,
        viewers: viewers.map((v) => ({ userId: v.userId, bearer: v.token })),
        watcher: { userId: watcher.userId, bearer: watcher.token },
      } satisfies StageSetupJob);

      let turn = 0;
      const take = (arm: StageSampleJob['arm'], verifyPublish: boolean) =>
        clients.call<StageSample>('sample', { arm, viewerIndex: turn++, verifyPublish } satisfies StageSampleJob);
      ctx.log(`P5 warm-up (${warmupPerArm} samples per arm)`);
      for (let i = 0; i < warmupPerArm; i++) {
        await take('golive', false);
        await take('direct', false);
      }

      const samples: StageSample[] = [];
      const pids = { golive: stack.golive.pid, 'livekit-server': stack.livekitPid, 'stage-clients': clients.pid };
      await stack.golive.stats(); // resets golive's event-loop delay histogram
      const { cores } = await withCpuShare(pids, async () => {
        for (let i = 0; i < samplesPerArm; i++) {
          const order: StageSampleJob['arm'][] = i % 2 === 0 ? ['golive', 'direct'] : ['direct', 'golive'];
          const verify = i % verifyEvery === verifyEvery - 1;
          for (const arm of order) samples.push(await take(arm, verify));
          if ((i + 1) % 20 === 0) ctx.log(`P5 ${i + 1}/${samplesPerArm} samples per arm`);
        }
      });
      const golive = samples.filter((s) => s.arm === 'golive');
      const direct = samples.filter((s) => s.arm === 'direct');
      const goliveStats = await stack.golive.stats();

      const figures = (list: StageSample[], pick: (s: StageSample) => number, eventLoop?: number): Figures => {
        const latency = summarizeLatencies(list.map(pick));
        return {
          p50: latency.p50,
          p95: latency.p95,
          p99: latency.p99,
          max: latency.max,
          count: list.length,
          failed: 0,
          cpuCores: cores,
          ...(eventLoop === undefined ? {} : { eventLoopDelayP99Ms: eventLoop }),
        };
      };
      const goliveLive = measurementOf('golive approve → guest sees role guest (grant live)', 'golive', [
        figures(golive, (s) => s.liveMs, goliveStats.eventLoopDelayMs.p99),
      ]);
      const directLive = measurementOf('RoomServiceClient.updateParticipant → guest sees role guest', 'baseline', [
        figures(direct, (s) => s.liveMs),
      ]);
      const goliveAnswer = measurementOf('golive approve → HTTP 200 at the host', 'golive', [figures(golive, (s) => s.answeredMs)]);
      const directAnswer = measurementOf('updateParticipant call → returned', 'baseline', [figures(direct, (s) => s.answeredMs)]);

      const verified = samples.filter((s) => s.publish);
      const published = verified.filter((s) => s.publish?.sameConnection && Number.isFinite(s.publish.watcherFirstFrameMs));
      const overheadP50 = goliveLive.median.p50 - directLive.median.p50;
      const ratio = median(
        golive.flatMap((g, i) => {
          const d = direct[i];
          return d ? [g.liveMs / d.liveMs] : [];
        }),
      );
      const liveBeforeAnswer = golive.filter((s) => s.liveMs <= s.answeredMs).length;
      const goliveVerified = verified.filter((s) => s.arm === 'golive');
      return {
        measurements: [goliveLive, directLive, goliveAnswer, directAnswer],
        checks: [
          {
            label: 'golive p95, approve → grant live',
            measured: goliveLive.median.p95,
            unit: 'ms',
            target: `≤ ${P95_TARGET_MS} ms`,
            pass: goliveLive.median.p95 <= P95_TARGET_MS,
          },
          {
            label: `publishes after approval that reached the watcher on the same connection (of ${verified.length})`,
            measured: published.length,
            unit: '',
            target: `all ${verified.length}`,
            pass: verified.length > 0 && published.length === verified.length,
          },
        ],
        notes: [
          `golive p50 ${goliveLive.median.p50.toFixed(1)} ms, p95 ${goliveLive.median.p95.toFixed(1)} ms, p99 ` +
            `${goliveLive.median.p99.toFixed(1)} ms; the same grant change sent straight to LiveKit: p50 ` +
            `${directLive.median.p50.toFixed(1)} ms, p95 ${directLive.median.p95.toFixed(1)} ms. golive adds ` +
            `${overheadP50.toFixed(1)} ms at the median (${ratio.toFixed(1)}×, median of paired samples).`,
          `In ${liveBeforeAnswer} of ${golive.length} golive samples the guest had its new grant before the host's HTTP response ` +
            'arrived: golive starts UpdateParticipant right after the commit, as an effect, without waiting for it to answer.',
          `Publish check: ${published.length} of ${verified.length} publishes right after the grant went live were accepted on the ` +
            'same connection (same participant sid, no reconnect) and decoded by the watcher; golive samples: publishTrack ' +
            `${fmtList(goliveVerified.map((s) => s.publish?.publishMs))} ms, then the watcher's first frame ` +
            `${fmtList(goliveVerified.map((s) => s.publish?.watcherFirstFrameMs))} ms later.`,
          `CPU during the timed samples, both arms: ${Object.entries(cores)
            .map(([name, c]) => `${name} ${c.toFixed(2)} cores`)
            .join(', ')}. The samples run one at a time, so this is latency, not load.`,
        ],
        settings: {
          'samples per arm': golive.length,
          'warm-up samples per arm': warmupPerArm,
          'viewers taking turns': VIEWERS,
          maxGuests: MAX_GUESTS,
          'publish checks': verified.length,
          'clients process': 'stage-clients (rtc-node, one child process)',
        },
      };
    } finally {
      await clients.stop();
    }
  },
};

function fmtList(values: (number | undefined)[]): string {
  return values.map((v) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(0))).join(', ');
}
