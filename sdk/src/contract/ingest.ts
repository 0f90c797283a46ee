/** The host's ingest (OBS or a hardware encoder) as realtime pushes it; never the stream key. */
import { type Static, Type } from 'typebox';

/** How the host's encoder reaches golive: WHIP (OBS 30 and later), or RTMP relayed by golive. */
export const IngestProtocolSchema = Type.Union([Type.Literal('whip'), Type.Literal('rtmp')]);
export type IngestProtocol = Static<typeof IngestProtocolSchema>;

/** Why an ingest stopped; the descriptions are the reasons' meaning (docs/ingest.md). */
export const INGEST_STOP_REASONS = {
  encoder_disconnected: 'the encoder closed the connection (OBS "Stop Streaming", a WHIP DELETE)',
  replaced: 'the same key connected again from a new connection (an encoder reconnecting): the new one won',
  idle_timeout: 'RTMP: nothing arrived for 15 s',
  limit_reached: 'RTMP: the golive instance already relays its limit of ingests',
  key_rotated: 'the key was rotated: the encoder must reconnect with the new key',
  ingest_deleted: 'the ingest was deleted',
  session_ended: 'the session ended',
  shutdown: 'the golive instance relaying RTMP shut down: the encoder reconnects to another',
  error: 'decoding or publishing failed; `message` says what',
} as const;
export type IngestStopReason = keyof typeof INGEST_STOP_REASONS;
export const IngestStopReasonSchema = Type.Enum(Object.keys(INGEST_STOP_REASONS) as IngestStopReason[]);

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const IngestStatusSchema = Type.Object(
  {
    sessionId: Type.String({ format: 'uuid' }),
    state: Type.Union([Type.Literal('waiting'), Type.Literal('receiving'), Type.Literal('stopped')], {
      description: 'waiting: no encoder yet (or since the key was rotated); receiving: media arrives; stopped: the encoder went away',
    }),
    protocol: Type.Union([IngestProtocolSchema, Type.Null()], { description: 'How the encoder connected, once one has' }),
    video: Type.Union(
      [Type.Object({ width: NullableInt, height: NullableInt, fps: Type.Union([Type.Number(), Type.Null()]) }), Type.Null()],
      {
        description:
          'The picture received, null when none (yet). RTMP: its decoded size and frame rate. WHIP: LiveKit does not report the size (null)',
      },
    ),
    audio: Type.Union([Type.Boolean(), Type.Null()], { description: 'Sound is received too; null when not known yet' }),
    bitrateKbps: Type.Union([Type.Number(), Type.Null()], {
      description: 'What the encoder sends over the last few seconds; RTMP only (WHIP media never passes through golive)',
    }),
    stopReason: Type.Union([IngestStopReasonSchema, Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()], { description: 'What went wrong, for an error stop (or a refused RTMP publish)' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'IngestStatus', title: 'IngestStatus' },
);
export type IngestStatus = Static<typeof IngestStatusSchema>;
