/** A recording in progress, as everyone in the session is told of it (consent). */
import { type Static, Type } from 'typebox';

export const RecordingStateSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    startedAt: Type.String({ format: 'date-time' }),
    auto: Type.Boolean({ description: 'started by itself (createSession recording.auto) when the first track was published' }),
  },
  { $id: 'RecordingState', title: 'RecordingState' },
);
export type RecordingState = Static<typeof RecordingStateSchema>;
