import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What clients report of their WebRTC connections (POST /v1/sessions/{id}/telemetry), as
 * Prometheus metrics. Ratios are rates of the counters (e.g. dropped / (decoded + dropped));
 * the histograms show how reports spread. Labelled by direction only: a session label would make
 * one series per session.
 */
export type ClientMetrics = ReturnType<typeof createClientMetrics>;

export function createClientMetrics(registry: Registry) {
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['direction'] as const, registers: [registry] });
  return {
    reports: new Counter({
      name: 'golive_telemetry_reports_total',
      help: 'Telemetry reports received, by result (accepted, invalid: 400, rate_limited: 429, refused: 4xx of the policy)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    bytes: counter('golive_client_bytes_total', 'Media bytes clients received (direction=receive) or sent (send)'),
    packets: counter('golive_client_packets_total', 'RTP packets clients received or sent'),
    packetsLost: counter(
      'golive_client_packets_lost_total',
      'RTP packets lost on the way to (receive) or from (send, as the remote end reported) clients',
    ),
    framesDecoded: counter('golive_client_frames_decoded_total', 'Video frames clients decoded'),
    framesDropped: counter('golive_client_frames_dropped_total', 'Video frames clients dropped instead of showing'),
    freezes: counter('golive_client_freezes_total', 'Video freezes clients saw'),
    freezeSeconds: counter('golive_client_freeze_seconds_total', 'Time clients spent frozen'),
    connectAttempts: counter('golive_client_connect_attempts_total', 'LiveKit connection attempts clients made'),
    connectFailures: counter('golive_client_connect_failures_total', 'LiveKit connection attempts that failed'),
    timeToFirstFrame: new Histogram({
      name: 'golive_client_time_to_first_frame_seconds',
      help: 'From joining to the first decoded video frame, per client',
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
      registers: [registry],
    }),
    bitrate: new Histogram({
      name: 'golive_client_bitrate_kbps',
      help: 'Bitrate of one client over one report interval',
      labelNames: ['direction'] as const,
      buckets: [50, 150, 300, 600, 1000, 1500, 2500, 4000, 6000, 10_000],
      registers: [registry],
    }),
    droppedFrameRatio: new Histogram({
      name: 'golive_client_dropped_frame_ratio',
      help: 'Dropped / (decoded + dropped) frames of one client over one report interval',
      buckets: [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    }),
  };
}
