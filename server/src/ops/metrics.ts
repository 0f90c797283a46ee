import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../adapters/database.ts';
import type { RecorderPoolStats } from '../recording/recorder-pool.ts';
import { createClientMetrics } from '../telemetry/telemetry.metrics.ts';

/** golive's Prometheus metrics, on a registry owned by one app (no global default registry). */
export type Metrics = ReturnType<typeof createMetrics>;

export type MetricSources = {
  liveSessions: () => Promise<number>;
  /** Counted viewers connected now, over every live session. */
  liveViewers: () => Promise<number>;
  /** Pending effects by kind, and the age of the oldest due one. */
  outbox: () => Promise<{ byKind: Record<string, number>; oldestPendingAgeSec: number }>;
  /** Whether LiveKit answers (ops/livekit-reachability.ts). */
  livekitReachable: () => Promise<boolean>;
  /** The PostgreSQL pool's counters; null on PGlite (no pool). */
  databasePool: () => PoolStats | null;
  /** What this process's recorders use and wrote (recording/recorder-pool.ts stats()). */
  recorders?: () => RecorderPoolStats;
};

/** A counter that follows a cumulative figure read at each scrape (it only ever rises). */
function followTotal(read: () => number | undefined) {
  let last = 0;
  return function collect(this: Counter) {
    const now = read();
    if (now === undefined) return;
    if (now > last) this.inc(now - last);
    last = Math.max(last, now);
  };
}

export function createMetrics(options: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'golive_process_' });
  return {
    registry,
    // First: each scrape reads the pool before the collectors below queue their own queries on it.
    ...databasePoolMetrics(registry, options.databasePool),
    liveSessions: new Gauge({
      name: 'golive_live_sessions',
      help: 'Sessions currently live',
      registers: [registry],
      async collect() {
        // A database outage must not take every other metric down with it: keep the last value.
        try {
          this.set(await options.liveSessions());
        } catch {}
      },
    }),
    liveViewers: new Gauge({
      name: 'golive_live_viewers',
      help: 'Viewers connected now, over every live session (hosts, guests and hidden admins not counted)',
      registers: [registry],
      async collect() {
        try {
          this.set(await options.liveViewers());
        } catch {}
      },
    }),
    sessionDuration: new Histogram({
      name: 'golive_session_duration_seconds',
      help: 'Length of ended sessions',
      buckets: [10, 60, 300, 900, 1800, 3600, 7200, 14_400, 43_200],
      labelNames: ['reason_kind'] as const,
      registers: [registry],
    }),
    sessionStartFailures: new Counter({
      name: 'golive_session_start_failures_total',
      help: 'Session starts golive could not carry out, by reason (livekit: CreateRoom failed; internal: an unexpected error)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    sessionStartRefusals: new Counter({
      name: 'golive_session_start_refusals_total',
      help: 'Session starts refused by policy after validation, by reason (cooldown); not failures',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    sessionsStarted: new Counter({
      name: 'golive_sessions_started_total',
      help: 'Sessions started',
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'golive_tokens_issued_total',
      help: 'LiveKit tokens minted, by role',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'golive_livekit_webhook_events_total',
      help: 'LiveKit webhook deliveries, by event type and result',
      labelNames: ['event', 'result'] as const,
      registers: [registry],
    }),
    reconcilerCorrections: new Counter({
      name: 'golive_reconciler_corrections_total',
      help: 'Drift the reconciler corrected, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'golive_outbox_pending',
      help: 'Effects committed and not yet carried out, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        try {
          const { byKind } = await options.outbox();
          this.reset();
          for (const [kind, n] of Object.entries(byKind)) this.set({ kind }, n);
        } catch {}
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'golive_outbox_oldest_pending_age_seconds',
      help: 'How long the oldest due effect has waited',
      registers: [registry],
      async collect() {
        try {
          this.set((await options.outbox()).oldestPendingAgeSec);
        } catch {}
      },
    }),
    effectStartLag: new Histogram({
      name: 'golive_effect_start_lag_seconds',
      help: 'From the change that recorded an effect to the start of its (first or retried) run, by kind and path',
      labelNames: ['kind', 'path'] as const,
      // Fine at the low end: the fast path is a few milliseconds, and the bench reads quantiles from these.
      buckets: [
        0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
      ],
      registers: [registry],
    }),
    effectDuration: new Histogram({
      name: 'golive_effect_duration_seconds',
      help: 'How long a successful effect took to carry out, by kind',
      labelNames: ['kind'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    effectFailures: new Counter({
      name: 'golive_effect_failures_total',
      help: 'Effect runs that failed, by kind; final="yes" when it was given up',
      labelNames: ['kind', 'final'] as const,
      registers: [registry],
    }),
    factsCache: new Counter({
      name: 'golive_facts_cache_total',
      help: 'Join and subscribe reads of session facts: hit (memory), miss (read and kept), bypass (LISTEN down: read through)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    reconcilerPasses: new Counter({
      name: 'golive_reconciler_passes_total',
      help: 'Reconciler passes run by this instance (the lease holder), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    livekitUp: new Gauge({
      name: 'golive_livekit_up',
      help: 'Whether LiveKit answers golive: 1 when its latest room-service call got an answer, 0 when none came (connection refused, timeout, 5xx)',
      registers: [registry],
      async collect() {
        this.set((await options.livekitReachable()) ? 1 : 0);
      },
    }),
    livekitRequests: new Counter({
      name: 'golive_livekit_requests_total',
      help: 'LiveKit room-service calls, by method and outcome (ok, refused: a 4xx answer, unreachable)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    client: createClientMetrics(registry),
    webhookDeliveries: new Counter({
      name: 'golive_webhook_deliveries_total',
      help: 'Webhook deliveries to the app that ended, by result (delivered, or failed for good)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'golive_webhook_attempts_total',
      help: 'Webhook delivery attempts, by result (success, http_error, network_error, refused, disabled)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    webhookAttemptDuration: new Histogram({
      name: 'golive_webhook_attempt_duration_seconds',
      help: 'How long one webhook POST took, answer included, by result',
      labelNames: ['result'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    webhookEndpointsDisabled: new Counter({
      name: 'golive_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints golive disabled, by reason (gone: answered 410; failing: every attempt failed for days)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    ...recordingMetrics(registry, options.recorders),
    httpDuration: new Histogram({
      name: 'golive_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    undeclaredErrorCodes: new Counter({
      name: 'golive_undeclared_error_codes_total',
      help: 'Error answers whose code their route does not declare (http/route.ts): a bug in that declaration',
      labelNames: ['method', 'route', 'code'] as const,
      registers: [registry],
    }),
  };
}

/** Gauges read from the pool at each scrape; 0 on PGlite, which has no pool. */
function databasePoolMetrics(registry: Registry, stats: MetricSources['databasePool']) {
  const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const now = stats();
        this.set(now ? read(now) : 0);
      },
    });
  return {
    dbPoolConnections: gauge('golive_db_pool_connections', 'PostgreSQL connections open in the pool', (s) => s.total),
    dbPoolIdle: gauge('golive_db_pool_idle_connections', 'Pool connections open and idle', (s) => s.idle),
    dbPoolWaiting: gauge('golive_db_pool_waiting_requests', 'Queries waiting for a pool connection', (s) => s.waiting),
    dbPoolMax: gauge('golive_db_pool_max_connections', 'The pool size (DATABASE_POOL_SIZE)', (s) => s.max),
  };
}

/** Recording: recorders in progress here, their ffmpeg CPU, failures, bytes written to storage. */
function recordingMetrics(registry: Registry, stats: MetricSources['recorders']) {
  const read =
    <K extends keyof RecorderPoolStats>(key: K) =>
    () =>
      stats?.()[key];
  return {
    recordingsInProgress: new Gauge({
      name: 'golive_recordings_in_progress',
      help: 'Recorders running in this process',
      registers: [registry],
      collect() {
        const n = read('active')();
        if (n !== undefined) this.set(n);
      },
    }),
    recorderCpu: new Counter({
      name: 'golive_recorder_ffmpeg_cpu_seconds_total',
      help: "CPU seconds used by this process's recorders' ffmpeg encoders (their receiving and composing are in golive_process_cpu_seconds_total)",
      registers: [registry],
      collect: followTotal(read('ffmpegCpuSec')),
    }),
    recordingBytes: new Counter({
      name: 'golive_recording_bytes_written_total',
      help: "Bytes of recording segments this process's recorders stored",
      registers: [registry],
      collect: followTotal(read('bytesWritten')),
    }),
    recorderFailures: new Counter({
      name: 'golive_recorder_failures_total',
      help: 'Recorders of this process that failed to start or ended with an error (their stored segments are still finalized)',
      registers: [registry],
      collect: followTotal(read('failures')),
    }),
    recordingOutcomes: new Counter({
      name: 'golive_recordings_finished_total',
      help: 'Recordings this process finalized, by result (ready, interrupted: ready after a lost recorder, failed)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
