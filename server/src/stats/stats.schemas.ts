import { type Static, Type } from 'typebox';
import { MediaStatsSchema } from '../telemetry/telemetry.schemas.ts';

const Instant = Type.String({ format: 'date-time' });
const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });
const Rate = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

/** getSessionStats. The fields are a contract; the rest are additions for the summary screen. */
export const SessionStatsSchema = Type.Object(
  {
    peakViewers: Count('Most viewers connected at one instant'),
    averageViewers: Type.Number({ minimum: 0, description: 'Viewer time / session duration (time-weighted), 2 decimals' }),
    uniqueViewers: Count('Users who watched as a viewer'),
    watchTimeSec: Type.Object({
      total: Type.Number({ minimum: 0, description: "Sum over viewers of each one's watch time (overlapping tabs counted once)" }),
      median: Type.Number({ minimum: 0, description: "The median viewer's watch time; 0 without viewers" }),
    }),
    retention: Type.Array(
      Type.Object({
        at: Instant,
        viewers: Count('Most viewers connected at one instant within [at, at + bucketSec)'),
      }),
      { description: 'Viewers over time, one entry per bucket from the start' },
    ),
    chat: Type.Object({ messages: Count('Messages sent (also those later deleted)'), chatters: Count('Users who sent one') }),
    reactions: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Reactions by emoji, e.g. {"❤️": 12}' }),
    stage: Type.Object({
      guests: Count('Users on stage as guest or co-host while connected'),
      stageTimeSec: Type.Number({ minimum: 0, description: "Sum over guests of each one's time on stage" }),
      requests: Count('Stage requests made'),
      approved: Count('Stage requests approved'),
      approvalRate: Rate('approved / requests; null without requests'),
      invites: Count('Stage invites sent'),
      invitesAccepted: Count(),
    }),
    sessionId: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
    startedAt: Instant,
    endedAt: Type.Union([Instant, Type.Null()]),
    asOf: Type.String({ format: 'date-time', description: 'The end of the window the figures cover: endedAt, or when they were computed' }),
    durationSec: Type.Number({ minimum: 0 }),
    bucketSec: Type.Integer({ description: 'Length of retention and activity buckets' }),
    activity: Type.Array(Type.Object({ at: Instant, chatMessages: Count(), reactions: Count() }), {
      description: 'Chat messages and reactions per bucket, aligned with retention',
    }),
    topMoments: Type.Array(
      Type.Object({ at: Instant, reactions: Count(), byEmoji: Type.Record(Type.String(), Type.Integer({ minimum: 0 })) }),
      { description: 'The buckets with the most reactions, most first (at most 5)' },
    ),
    media: MediaStatsSchema,
  },
  { $id: 'SessionStats', title: 'SessionStats' },
);
export type SessionStats = Static<typeof SessionStatsSchema>;

export const PlatformStatsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the window; default: 24 h before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'End of the window (exclusive); default and at most: now' })),
  },
  { additionalProperties: false },
);

export const PlatformStatsSchema = Type.Object(
  {
    from: Instant,
    to: Type.String({ format: 'date-time', description: 'The end used: the one asked for, or now if that is later' }),
    sessionsStarted: Count(),
    sessionsFailed: Count('Starts golive could not carry out (LiveKit unavailable, an unexpected error); refusals are not failures'),
    startFailureRate: Rate('failed / (started + failed); null without starts'),
    sessionsEnded: Count(),
    averageDurationSec: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Of the sessions that ended in the window' }),
    peakConcurrentSessions: Count('Most sessions live at one instant'),
    peakConcurrentViewers: Count('Most viewers connected at one instant, over all sessions'),
    minutesWatched: Type.Number({ minimum: 0, description: "Viewers' watch time in the window, in minutes" }),
    bucketSec: Type.Integer(),
    timeline: Type.Array(
      Type.Object({
        at: Instant,
        sessionsStarted: Count(),
        sessions: Count('Most sessions live at one instant in the bucket'),
        viewers: Count('Most viewers at one instant in the bucket'),
      }),
    ),
  },
  { $id: 'PlatformStats', title: 'PlatformStats' },
);
export type PlatformStats = Static<typeof PlatformStatsSchema>;
