import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** golive's Prometheus metrics, on a registry owned by one app (no global default registry). */
export type Metrics = ReturnType<typeof createMetrics>;

export type MetricSources = {
  liveSessions: () => Promise<number>;
  /** Pending effects by kind, and the age of the oldest due one. */
  outbox: () => Promise<{ byKind: Record<string, number>; oldestPendingAgeSec: number }>;
};

export function createMetrics(options: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'golive_process_' });
  return {
    registry,
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
    sessionDuration: new Histogram({
      name: 'golive_session_duration_seconds',
      help: 'Length of ended sessions',
      buckets: [10, 60, 300, 900, 1800, 3600, 7200, 14_400, 43_200],
      labelNames: ['reason_kind'] as const,
      registers: [registry],
    }),
    sessionStartFailures: new Counter({
      name: 'golive_session_start_failures_total',
      help: 'Session starts that failed after validation, by reason',
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
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
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
    reconcilerPasses: new Counter({
      name: 'golive_reconciler_passes_total',
      help: 'Reconciler passes run by this instance (the lease holder), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
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
    httpDuration: new Histogram({
      name: 'golive_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
