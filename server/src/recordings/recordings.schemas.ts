import { Type } from 'typebox';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const RecordingSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sessionId: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('recording'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')], {
      description: 'recording: in progress; processing: stopped, being finalized into one MP4; ready: playable; failed: see error',
    }),
    startedAt: Type.String({
      format: 'date-time',
      description: "The recording's time 0 (its first frame); until the recorder has started, when it was asked for",
    }),
    endedAt: Nullable(DateTime),
    durationSec: Nullable(Type.Number({ minimum: 0, description: 'Of the finished file' })),
    sizeBytes: Nullable(Type.Integer({ minimum: 0 })),
    interrupted: Type.Boolean({
      description: 'The recorder was lost (golive killed, a machine lost): the file holds what was written up to a few seconds before',
    }),
    error: Type.Optional(Type.String({ description: 'Why it failed' })),
    visibility: Type.Union([Type.Literal('private'), Type.Literal('public')], {
      description: 'public: anyone who may watch the (public) session may play it; private: the host, admins and the allowlist',
    }),
    auto: Type.Boolean({ description: 'Started by the session’s recording.auto at its first published track' }),
  },
  { $id: 'Recording', title: 'Recording' },
);

export const RecordingParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Recording id' }) },
  { additionalProperties: false },
);

export const SessionRecordingParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Session id' }), recordingId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const RecordingList = Type.Object({ items: Type.Array(Type.Ref('Recording')) }, { $id: 'RecordingList', title: 'RecordingList' });

export const PlaybackSchema = Type.Object(
  {
    url: Type.String({ description: 'A signed GET URL to the MP4 (S3 presigned, or golive’s signed local URL); Range requests seek' }),
    expiresAt: Type.String({ format: 'date-time', description: 'After this the URL is refused: ask again' }),
  },
  { $id: 'RecordingPlayback', title: 'RecordingPlayback' },
);

export const UpdateRecordingBody = Type.Object(
  { visibility: Type.Union([Type.Literal('private'), Type.Literal('public')]) },
  { additionalProperties: false },
);

export const ReplaySchema = Type.Object(
  {
    ...RecordingSchema.properties,
    session: Type.Object({
      id: Type.String({ format: 'uuid' }),
      title: Type.String(),
      host: Type.Object({ id: Type.String(), name: Type.String() }),
      visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    }),
  },
  { $id: 'Replay', title: 'Replay' },
);

export const ReplaysQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    before: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only recordings started before this (the last item’s startedAt)' }),
    ),
  },
  { additionalProperties: false },
);

export const RecordingChatSchema = Type.Object(
  {
    recordingId: Type.String({ format: 'uuid' }),
    startedAt: DateTime,
    messages: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        seq: Type.Integer({ minimum: 1 }),
        offsetMs: Type.Integer({ description: "Sent this long after the recording's startedAt (negative: before it began)" }),
        user: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() }),
        text: Type.String({ description: 'Plain text; render it as text, never as HTML' }),
        deletedOffsetMs: Type.Optional(Type.Integer({ description: 'Deleted at this offset: hide it from there on' })),
      }),
      { description: 'Every message sent before the recording ended, in seq order, deleted ones included' },
    ),
    pins: Type.Array(
      Type.Object({
        messageId: Type.String({ format: 'uuid' }),
        pinnedOffsetMs: Type.Integer(),
        unpinnedOffsetMs: Type.Optional(Type.Integer({ description: 'Absent: still pinned when the recording ended' })),
      }),
      { description: 'Each time a message was pinned during the recording (or before it and still pinned at its start), in order' },
    ),
  },
  { $id: 'RecordingChat', title: 'RecordingChat' },
);
