import { join } from 'node:path';
import { measurementOf, pairedRatio } from '../lib/measure.ts';
import { settle, withCpuShare } from '../lib/proc.ts';
import { BENCH_ROOT } from '../lib/stack.ts';
import { summarizeLatencies } from '../lib/stats.ts';
import type { LoopJob, LoopResult } from '../load/webhook-post-loop.ts';
import type { ReceiverReport } from '../servers/webhook-receiver.ts';
import { forEachLimited, type JoinGrantBody, requestJson, userTokens } from './http.ts';
import type { Check, Figures, Measurement, Scenario } from './types.ts';
import { backendCpu, postgresCores } from './webhooks.ts';

const RATIO_TARGET = 0.5;
const RATES = [200, 1000];
const SESSIONS = 100;
const SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString('base64')}`;
// Long enough for a backlog drained at ~100 events/s on a loaded machine (1000/s for 10 s): an event
// counted lost must really be missing, not still queued.
const DRAIN_TIMEOUT_MS = 300_000;

type Kind = 'golive' | 'baseline';
type Emitted = { committed: number; failed: number; wallSec: number };

export const eventsScenario: Scenario = {
  id: 'events',
  brief: 'P8',
  title: 'events to the app: commit → receiver',
  target: `throughput ≥ ${RATIO_TARGET}× a bare loop POSTing the same signed bodies, at ${RATES.join(' and ')} events/s; 0 events lost`,
  method:
    `golive (production mode, one endpoint from GOLIVE_WEBHOOK_URL) has ${SESSIONS} live sessions. Inside the golive process, ` +
    'changes are made at a fixed rate (open loop, round-robin over the sessions), each the smallest real unit of work that ' +
    'records an event (UnitOfWork.change: the session row locked, its facts loaded, one live.session.settings.changed audit ' +
    'event and its webhook delivery written in the events statement, committed), then the delivery signed with ' +
    'standardwebhooks and POSTed at once by the committing instance (claim, sign, POST, attempt log, completion). ' +
    'No HTTP in front, so the figures are the change → receiver path. The receiver is an HTTP server in its own process that ' +
    'verifies every delivery with the standardwebhooks library, answers 204, and measures each event from its body’s ' +
    '`timestamp` (the change’s transaction time) to its arrival, on the same clock. The baseline is a bare loop in its own ' +
    'process that builds bodies of the same shape, signs them with the same signer and POSTs them over keep-alive connections ' +
    'at the same rate to the same receiver, the timestamp taken as it sends: no database, no outbox. Throughput is the events ' +
    'that arrived ÷ the time from the first change to the last arrival; an event is lost if it committed and never arrived ' +
    `(waited for up to ${DRAIN_TIMEOUT_MS / 1000} s after the last change). Subject and baseline alternate in each round.`,

  async run(ctx) {
    const quick = ctx.options.quick;
    const durationSec = quick ? 3 : 10;
    const rounds = quick ? 1 : Math.min(ctx.options.rounds, 3);
    const receiver = await ctx.startChild<{ port: number }>('webhook-receiver', join(BENCH_ROOT, 'servers/webhook-receiver.ts'), {
      WEBHOOK_SECRET: SECRET,
    });
    const url = `http://127.0.0.1:${receiver.ready.port}/hooks`;
    const loop = await ctx.startChild('webhook-post-loop', join(BENCH_ROOT, 'load/webhook-post-loop.ts'), {});
    const stack = await ctx.startStack('golive-events', {
      GOLIVE_WEBHOOK_URL: url,
      GOLIVE_WEBHOOK_SECRET: SECRET,
      // The receiver is on loopback, which production mode refuses otherwise.
      GOLIVE_WEBHOOK_ALLOW_PRIVATE: 'true',
      RECONCILE_INTERVAL_SEC: '3600',
    });
    const hosts = await userTokens('bench-events', SESSIONS);
    const sessions: { id: string; token: string }[] = [];
    await forEachLimited(hosts, 4, async (host) => {
      const created = await requestJson<JoinGrantBody>('POST', `${stack.baseUrl}/v1/sessions`, host.token, {
        title: 'P8 events',
        mode: 'broadcast',
        visibility: 'public',
      });
      if (created.status !== 201) throw new Error(`could not start a P8 session: ${created.status} ${JSON.stringify(created.body)}`);
      sessions.push({ id: created.body.session.id, token: host.token });
    });
    const pids = { golive: stack.golive.pid, receiver: receiver.pid, loop: loop.pid };

    let lost = 0;
    const measure = async (kind: Kind, rate: number): Promise<Figures> => {
      await settle(Object.values(pids), { timeoutMs: 10_000 });
      await receiver.call('reset');
      const startedAt = Date.now();
      const backendsBefore = kind === 'golive' ? await backendCpu(stack.databaseUrl) : null;
      const { result, cores, wallSec } = await withCpuShare(pids, async () => {
        const emitted: Emitted =
          kind === 'golive'
            ? await stack.golive.call<Emitted>('emitEvents', { sessionIds: sessions.map((s) => s.id), ratePerSec: rate, durationSec })
            : toEmitted(
                await loop.call<LoopResult>('run', {
                  url,
                  secret: SECRET,
                  ratePerSec: rate,
                  durationSec,
                  sessions: SESSIONS,
                } satisfies LoopJob),
              );
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        let report = await receiver.call<ReceiverReport & { distinct: number }>('report');
        while (report.distinct < emitted.committed && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          report = await receiver.call<ReceiverReport & { distinct: number }>('report');
        }
        return { emitted, report };
      });
      const { emitted, report } = result;
      if (backendsBefore) cores.postgres = postgresCores(backendsBefore, await backendCpu(stack.databaseUrl), wallSec);
      const missing = Math.max(0, emitted.committed - report.distinct);
      if (kind === 'golive') lost += missing;
      const spanSec = Math.max(0.001, (report.lastAt - startedAt) / 1000);
      const latency = summarizeLatencies(report.latenciesMs);
      const reqPerSec = report.distinct / spanSec;
      const figures: Figures = {
        reqPerSec,
        p50: latency.p50,
        p95: latency.p95,
        p99: latency.p99,
        max: latency.max,
        count: emitted.committed,
        failed: emitted.failed + missing,
        cpuCores: cores,
        ...(cores[kind === 'golive' ? 'golive' : 'loop'] !== undefined
          ? { serverCpuUsPerRequest: ((cores[kind === 'golive' ? 'golive' : 'loop'] ?? 0) / reqPerSec) * 1e6 }
          : {}),
      };
      ctx.log(
        `P8 ${rate}/s ${kind}: ${report.distinct}/${emitted.committed} arrived at ${Math.round(reqPerSec)} events/s, ` +
          `p50 ${latency.p50} ms, p99 ${latency.p99} ms, ${report.duplicates} duplicates, ${report.rejected} unverified` +
          `${emitted.failed ? `, ${emitted.failed} changes failed` : ''}${missing ? `, ${missing} LOST` : ''}`,
      );
      return figures;
    };

    const measurements: Measurement[] = [];
    const checks: Check[] = [];
    try {
      ctx.log('P8 warm-up');
      await measure('golive', 100);
      await measure('baseline', 100);
      lost = 0;
      for (const rate of RATES) {
        const runs: Record<Kind, Figures[]> = { golive: [], baseline: [] };
        for (let round = 0; round < rounds; round++) {
          const order: Kind[] = round % 2 === 0 ? ['golive', 'baseline'] : ['baseline', 'golive'];
          for (const kind of order) runs[kind].push(await measure(kind, rate));
        }
        const golive = measurementOf(`golive, change → receiver at ${rate} events/s`, 'golive', runs.golive);
        const baseline = measurementOf(`bare signed POST loop at ${rate} events/s`, 'baseline', runs.baseline);
        measurements.push(golive, baseline);
        const ratio = pairedRatio(golive, baseline, (f) => f.reqPerSec);
        checks.push({
          label: `golive events/s ÷ bare loop events/s at ${rate} events/s`,
          measured: ratio,
          unit: '×',
          target: `≥ ${RATIO_TARGET}×`,
          pass: ratio >= RATIO_TARGET,
        });
      }
      checks.push({ label: 'events committed by golive that never arrived', measured: lost, unit: '', target: '0', pass: lost === 0 });
    } finally {
      await forEachLimited(sessions, 4, async ({ id, token }) => {
        await requestJson('POST', `${stack.baseUrl}/v1/sessions/${id}/end`, token);
      });
    }
    const top = measurements.filter((m) => m.kind === 'golive').at(-1);
    const pgUs = ((top?.median.cpuCores.postgres ?? Number.NaN) / (top?.median.reqPerSec ?? Number.NaN)) * 1e6;
    return {
      measurements,
      checks,
      notes: [
        `golive CPU per delivered event at ${RATES.at(-1)} events/s: ${Math.round(top?.median.serverCpuUsPerRequest ?? Number.NaN)} µs ` +
          '(the change’s transaction and the delivery: claim, endpoint and event read, sign, POST, attempt log, completion); ' +
          `its PostgreSQL backends ${Math.round(pgUs)} µs ("postgres" in the CPU column).`,
      ],
      settings: { 'events/s': RATES.join(', '), 'seconds per run': durationSec, rounds, sessions: SESSIONS },
    };
  },
};

function toEmitted(r: LoopResult): Emitted {
  return { committed: r.sent, failed: 0, wallSec: r.wallSec };
}
