import { type Static, Type } from 'typebox';

const count = (maximum: number, description: string) => Type.Integer({ minimum: 0, maximum, description });

/**
 * One client's WebRTC stats over one interval, read from livekit-client's getStats (the web app
 * sends one every 10 s while watching or publishing, per direction). Strict: an unknown field, a
 * fractional count or a value out of range is refused with 400 VALIDATION_FAILED.
 */
export const TelemetryReportSchema = Type.Object(
  {
    direction: Type.Union([Type.Literal('receive'), Type.Literal('send')], {
      description: 'receive: what this client got from LiveKit (watching); send: what it published',
    }),
    intervalMs: Type.Integer({ minimum: 1000, maximum: 60_000, description: 'The time this report covers' }),
    bytes: count(1_000_000_000, 'Media bytes received (or sent) in the interval; bitrate = 8 × bytes / intervalMs kbit/s'),
    packets: count(10_000_000, 'RTP packets received (or sent) in the interval'),
    packetsLost: count(10_000_000, 'RTP packets lost in the interval (for send, as the remote end reported)'),
    framesDecoded: Type.Optional(count(100_000, 'receive only: video frames decoded in the interval')),
    framesDropped: Type.Optional(count(100_000, 'receive only: video frames dropped in the interval')),
    freezes: Type.Optional(count(10_000, 'receive only: video freezes in the interval')),
    freezeMs: Type.Optional(count(60_000, 'receive only: time frozen in the interval, at most intervalMs')),
    timeToFirstFrameMs: Type.Optional(
      count(120_000, 'receive only: from joining to the first decoded frame; only in the report of the interval it happened in'),
    ),
    connectAttempts: Type.Optional(count(100, 'LiveKit connection attempts in the interval (1 in the first report)')),
    connectFailures: Type.Optional(count(100, 'How many of those attempts failed, at most connectAttempts')),
  },
  { additionalProperties: false },
);

export type TelemetryReport = Static<typeof TelemetryReportSchema>;

/** What a session's clients reported, summed (the `media` part of getSessionStats). */
export const MediaStatsSchema = Type.Object(
  {
    clients: Type.Integer({ description: 'Users who sent telemetry' }),
    reports: Type.Integer(),
    connectionSuccessRate: Type.Union([Type.Number(), Type.Null()], { description: '1 − failed / attempted connections; null with none' }),
    droppedFrameRatio: Type.Union([Type.Number(), Type.Null()], { description: 'dropped / (decoded + dropped) frames; null with none' }),
    packetLossRatio: Type.Union([Type.Number(), Type.Null()], { description: 'receive side: lost / (received + lost) packets' }),
    freezes: Type.Integer(),
    freezeSec: Type.Number(),
    averageTimeToFirstFrameMs: Type.Union([Type.Number(), Type.Null()]),
    receiveKbps: Type.Union([Type.Number(), Type.Null()], { description: 'Average bitrate one watching client received' }),
    sendKbps: Type.Union([Type.Number(), Type.Null()], { description: 'Average bitrate one publishing client sent' }),
    bandwidthKbps: Type.Union([Type.Number(), Type.Null()], {
      description: "The session's delivery bandwidth: all bytes its clients received, over its duration",
    }),
    bytesReceived: Type.Integer(),
    bytesSent: Type.Integer(),
  },
  { description: "What the session's clients reported with sendTelemetry, summed" },
);

export type MediaStats = Static<typeof MediaStatsSchema>;
