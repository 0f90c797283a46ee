// Turning WebRTC getStats() reports (W3C webrtc-stats, as browsers and LiveKit's SDKs return them)
// into sendTelemetry bodies: cumulative counters per RTP stream, and the difference between two
// samples as one report. Pure functions, no LiveKit and no DOM, so any client can use them.
import type { TelemetryReport } from '../types.ts';

/** One entry of a getStats() report, as far as telemetry reads it. */
export type RtcStat = { id: string; type: string; [field: string]: unknown };

/** What getStats() resolves to: an RTCStatsReport in browsers (any map of stats works). */
export type RtcStatsReport = { forEach(callback: (stat: RtcStat) => void): void };

/** Cumulative counters of one RTP stream, as getStats() gives them (they only grow). */
export type StreamCounters = {
  bytes: number;
  packets: number;
  packetsLost: number;
  /** Video only (inbound): frames decoded, dropped, freezes and time frozen. */
  framesDecoded: number;
  framesDropped: number;
  freezes: number;
  freezeMs: number;
  video: boolean;
};

/** One sample: every stream's counters, by the stats id of its RTP stream. */
export type StreamSample = Map<string, StreamCounters>;

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * The receive side of reports from receivers (inbound-rtp: what this client got), or the send side
 * of reports from senders (outbound-rtp, with the loss the remote end reported in
 * remote-inbound-rtp). A stream seen in two reports (two tracks on one connection) counts once.
 */
export function readStreams(reports: Iterable<RtcStatsReport>, direction: TelemetryReport['direction']): StreamSample {
  const streams: StreamSample = new Map();
  for (const report of reports) {
    report.forEach((stat) => {
      const video = stat.kind === 'video' || stat.mediaType === 'video';
      if (direction === 'receive' && stat.type === 'inbound-rtp') {
        streams.set(stat.id, {
          bytes: num(stat.bytesReceived),
          packets: num(stat.packetsReceived),
          packetsLost: num(stat.packetsLost),
          framesDecoded: video ? num(stat.framesDecoded) : 0,
          framesDropped: video ? num(stat.framesDropped) : 0,
          freezes: video ? num(stat.freezeCount) : 0,
          // webrtc-stats gives seconds.
          freezeMs: video ? num(stat.totalFreezesDuration) * 1000 : 0,
          video,
        });
      } else if (direction === 'send' && stat.type === 'outbound-rtp') {
        const lost = streams.get(stat.id)?.packetsLost ?? 0;
        streams.set(stat.id, { ...EMPTY, bytes: num(stat.bytesSent), packets: num(stat.packetsSent), packetsLost: lost, video });
      } else if (direction === 'send' && stat.type === 'remote-inbound-rtp' && typeof stat.localId === 'string') {
        // The remote end's receiver report about one of our outbound streams (its localId).
        const outbound = streams.get(stat.localId) ?? { ...EMPTY, video };
        streams.set(stat.localId, { ...outbound, packetsLost: num(stat.packetsLost) });
      }
    });
  }
  return streams;
}

const EMPTY: StreamCounters = {
  bytes: 0,
  packets: 0,
  packetsLost: 0,
  framesDecoded: 0,
  framesDropped: 0,
  freezes: 0,
  freezeMs: 0,
  video: false,
};
const FIELDS = ['bytes', 'packets', 'packetsLost', 'framesDecoded', 'framesDropped', 'freezes', 'freezeMs'] as const;

const restarted = (before: StreamCounters, now: StreamCounters) => now.bytes < before.bytes || now.packets < before.packets;

function addDelta(total: StreamCounters, from: StreamCounters | undefined, to: StreamCounters): void {
  for (const field of FIELDS) total[field] += Math.max(0, to[field] - (from?.[field] ?? 0));
  total.video ||= to.video;
}

/**
 * What a client's RTP streams added up between two take()s, from samples of their cumulative
 * counters. A stream counts from zero when it is new, and from zero again when its counters went
 * back (an id reused after a resubscribe); one that is gone from a sample (unsubscribed, or the
 * connection closed) still adds what it had at the last sample that showed it, and if it shows
 * up again it counts on from there, never twice.
 */
export class StreamTotals {
  /** Each stream's counters at the last take(), or when it was last seen before it went away. */
  readonly #base = new Map<string, StreamCounters>();
  /** Streams in the latest sample, with their latest counters. */
  #latest: StreamSample = new Map();
  /** What streams that went away or restarted added since the last take(). */
  #retired: StreamCounters = { ...EMPTY };
  #seen = false;

  observe(sample: StreamSample): void {
    for (const [id, now] of sample) {
      const before = this.#latest.get(id) ?? this.#base.get(id);
      if (before && restarted(before, now)) {
        addDelta(this.#retired, this.#base.get(id), before);
        this.#base.set(id, { ...EMPTY, video: now.video });
      }
      this.#latest.set(id, now);
      this.#seen = true;
    }
    for (const [id, last] of this.#latest) {
      if (sample.has(id)) continue;
      addDelta(this.#retired, this.#base.get(id), last);
      this.#base.set(id, last);
      this.#latest.delete(id);
    }
  }

  /** Whether any stream was seen since the last take(). */
  get seen(): boolean {
    return this.#seen;
  }

  /** What the streams added since the last take(); the next one counts from here. */
  take(): StreamCounters {
    const total = this.#retired;
    for (const [id, now] of this.#latest) {
      addDelta(total, this.#base.get(id), now);
      this.#base.set(id, now);
    }
    this.#retired = { ...EMPTY };
    this.#seen = this.#latest.size > 0;
    return total;
  }
}

/** Connection attempts and failures to put in a report. */
export type ConnectionCounts = { attempts: number; failures: number };

/** The schema's upper bounds (docs/api.md, sendTelemetry): a report over them would be refused. */
const MAX = {
  intervalMs: 60_000,
  bytes: 1_000_000_000,
  packets: 10_000_000,
  frames: 100_000,
  freezes: 10_000,
  timeToFirstFrameMs: 120_000,
  connect: 100,
} as const;

/**
 * One sendTelemetry body from a delta. Whole numbers within the schema's bounds; receive-only
 * fields only in receive reports; `timeToFirstFrameMs` beyond two minutes is left out (the viewer
 * waited for a host whose camera was off, not for the network).
 */
export function toReport(
  direction: TelemetryReport['direction'],
  intervalMs: number,
  delta: Omit<StreamCounters, 'video'>,
  extra: { connections?: ConnectionCounts; timeToFirstFrameMs?: number | null } = {},
): TelemetryReport {
  const interval = clamp(intervalMs, MAX.intervalMs, 1000);
  const report: TelemetryReport = {
    direction,
    intervalMs: interval,
    bytes: clamp(delta.bytes, MAX.bytes),
    packets: clamp(delta.packets, MAX.packets),
    packetsLost: clamp(delta.packetsLost, MAX.packets),
  };
  if (direction === 'receive') {
    report.framesDecoded = clamp(delta.framesDecoded, MAX.frames);
    report.framesDropped = clamp(delta.framesDropped, MAX.frames);
    report.freezes = clamp(delta.freezes, MAX.freezes);
    report.freezeMs = clamp(delta.freezeMs, interval);
    const firstFrame = extra.timeToFirstFrameMs;
    if (firstFrame !== undefined && firstFrame !== null && firstFrame <= MAX.timeToFirstFrameMs)
      report.timeToFirstFrameMs = clamp(firstFrame, MAX.timeToFirstFrameMs);
  }
  const connections = extra.connections;
  if (connections && connections.attempts > 0) {
    report.connectAttempts = clamp(connections.attempts, MAX.connect);
    report.connectFailures = clamp(connections.failures, report.connectAttempts);
  }
  return report;
}

function clamp(value: number, max: number, min = 0): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}
