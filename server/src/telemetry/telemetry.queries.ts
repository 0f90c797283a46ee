import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { MediaStats, TelemetryReport } from './telemetry.schemas.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Adds one report to the user's running totals for the session and direction. */
export async function addReport(db: Db, sessionId: string, userId: string, report: TelemetryReport): Promise<void> {
  const firstFrame = report.timeToFirstFrameMs;
  const values = {
    reports: 1,
    interval_ms: report.intervalMs,
    bytes: report.bytes,
    packets: report.packets,
    packets_lost: report.packetsLost,
    frames_decoded: report.framesDecoded ?? 0,
    frames_dropped: report.framesDropped ?? 0,
    freezes: report.freezes ?? 0,
    freeze_ms: report.freezeMs ?? 0,
    connect_attempts: report.connectAttempts ?? 0,
    connect_failures: report.connectFailures ?? 0,
    first_frames: firstFrame === undefined ? 0 : 1,
    first_frame_ms_sum: firstFrame ?? 0,
    first_frame_ms_max: firstFrame ?? 0,
  };
  await db
    .insertInto('session_telemetry')
    .values({ session_id: sessionId, user_id: userId, direction: report.direction, ...values })
    .onConflict((oc) =>
      oc.columns(['session_id', 'user_id', 'direction']).doUpdateSet((eb) => {
        const add = (column: keyof typeof values) => eb(`session_telemetry.${column}`, '+', eb.ref(`excluded.${column}`));
        return {
          reports: add('reports'),
          interval_ms: add('interval_ms'),
          bytes: add('bytes'),
          packets: add('packets'),
          packets_lost: add('packets_lost'),
          frames_decoded: add('frames_decoded'),
          frames_dropped: add('frames_dropped'),
          freezes: add('freezes'),
          freeze_ms: add('freeze_ms'),
          connect_attempts: add('connect_attempts'),
          connect_failures: add('connect_failures'),
          first_frames: add('first_frames'),
          first_frame_ms_sum: add('first_frame_ms_sum'),
          first_frame_ms_max: sql`greatest(session_telemetry.first_frame_ms_max, excluded.first_frame_ms_max)`,
          updated_at: sql`now()`,
        };
      }),
    )
    .execute();
}

type Totals = Record<
  | 'clients'
  | 'reports'
  | 'recv_bytes'
  | 'recv_ms'
  | 'recv_packets'
  | 'recv_lost'
  | 'sent_bytes'
  | 'sent_ms'
  | 'decoded'
  | 'dropped'
  | 'freezes'
  | 'freeze_ms'
  | 'attempts'
  | 'failures'
  | 'first_frames'
  | 'first_frame_ms',
  string | number | null
>;

/** The session's telemetry, summed; `durationMs` is the session's (for its delivery bandwidth). */
export async function mediaStats(db: Db, sessionId: string, durationMs: number): Promise<MediaStats> {
  const { rows } = await sql<Totals>`
    select count(distinct user_id) as clients, coalesce(sum(reports), 0) as reports,
      coalesce(sum(bytes) filter (where direction = 'receive'), 0) as recv_bytes,
      coalesce(sum(interval_ms) filter (where direction = 'receive'), 0) as recv_ms,
      coalesce(sum(packets) filter (where direction = 'receive'), 0) as recv_packets,
      coalesce(sum(packets_lost) filter (where direction = 'receive'), 0) as recv_lost,
      coalesce(sum(bytes) filter (where direction = 'send'), 0) as sent_bytes,
      coalesce(sum(interval_ms) filter (where direction = 'send'), 0) as sent_ms,
      coalesce(sum(frames_decoded), 0) as decoded, coalesce(sum(frames_dropped), 0) as dropped,
      coalesce(sum(freezes), 0) as freezes, coalesce(sum(freeze_ms), 0) as freeze_ms,
      coalesce(sum(connect_attempts), 0) as attempts, coalesce(sum(connect_failures), 0) as failures,
      coalesce(sum(first_frames), 0) as first_frames, coalesce(sum(first_frame_ms_sum), 0) as first_frame_ms
    from session_telemetry where session_id = ${sessionId}`.execute(db);
  const t = Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v ?? 0)])) as Record<keyof Totals, number>;
  const ratio = (part: number, whole: number) => (whole > 0 ? round4(part / whole) : null);
  // bytes × 8 / ms is kbit/s.
  const kbps = (bytes: number, ms: number) => (ms > 0 ? round2((bytes * 8) / ms) : null);
  return {
    clients: t.clients,
    reports: t.reports,
    connectionSuccessRate: t.attempts > 0 ? round4(1 - t.failures / t.attempts) : null,
    droppedFrameRatio: ratio(t.dropped, t.decoded + t.dropped),
    packetLossRatio: ratio(t.recv_lost, t.recv_packets + t.recv_lost),
    freezes: t.freezes,
    freezeSec: t.freeze_ms / 1000,
    averageTimeToFirstFrameMs: t.first_frames > 0 ? round2(t.first_frame_ms / t.first_frames) : null,
    receiveKbps: kbps(t.recv_bytes, t.recv_ms),
    sendKbps: kbps(t.sent_bytes, t.sent_ms),
    bandwidthKbps: t.recv_bytes > 0 ? kbps(t.recv_bytes, durationMs) : null,
    bytesReceived: t.recv_bytes,
    bytesSent: t.sent_bytes,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
