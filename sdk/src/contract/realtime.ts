/**
 * The realtime protocol (Socket.IO, path /v1/realtime): every client request with its ack, every
 * server event with its payload, and the error codes an ack or a refused connection carries. The
 * server validates with these schemas, both sides type with them, docs/realtime.md's tables are
 * generated from them (npm run docs:realtime).
 */
import { type Static, type TSchema, Type } from 'typebox';
import {
  ChatMessageSchema,
  CountersSchema,
  ParticipantRoleSchema,
  PermissionsSchema,
  ReactionBurstSchema,
  SessionSchema,
  SessionSettingsSchema,
  StageRequestSchema,
} from './entities.ts';
import { IngestStatusSchema } from './ingest.ts';
import { RecordingStateSchema } from './recording.ts';

export const REALTIME_PATH = '/v1/realtime';

const SessionId = Type.String({ format: 'uuid' });
const strict = { additionalProperties: false } as const;
const Empty = Type.Object({}, strict);

export const SubscribeRequestSchema = Type.Object(
  {
    sessionId: SessionId,
    sinceSeq: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Resume: the highest seq the client already has; the ack carries every message after it' }),
    ),
  },
  strict,
);

export const SubscribeResultSchema = Type.Object(
  {
    session: Type.Object({
      id: SessionId,
      status: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
      settings: SessionSettingsSchema,
      viewerCount: Type.Integer({ minimum: 0 }),
      peakViewers: Type.Integer({ minimum: 0 }),
    }),
    messages: Type.Array(ChatMessageSchema, {
      description: 'In seq order: the last 50, or everything after sinceSeq (up to 500)',
    }),
    headSeq: Type.Integer({ description: 'The highest seq handed out when the snapshot was taken (messages may have been deleted since)' }),
    truncated: Type.Boolean({ description: 'More than 500 were missed: page the rest with GET /v1/sessions/{id}/messages' }),
    deletedMessageIds: Type.Array(Type.String(), { description: 'Messages deleted in the last 10 minutes: drop them if you hold them' }),
    pinned: Type.Union([ChatMessageSchema, Type.Null()]),
    reactionTotals: Type.Record(Type.String(), Type.Integer()),
    reactions: Type.Array(Type.String(), { description: "This deployment's reaction set" }),
    role: ParticipantRoleSchema,
    permissions: PermissionsSchema,
    ingest: Type.Optional(
      Type.Union([IngestStatusSchema, Type.Null()], {
        description: 'Host and admins only (who then get ingest.status pushes): the ingest, null when none',
      }),
    ),
    recording: Type.Union([RecordingStateSchema, Type.Null()], {
      description: 'The recording in progress, null when none: everyone subscribed is told (consent)',
    }),
  },
  { $id: 'SubscribeResult', title: 'SubscribeResult' },
);

export const SendChatRequestSchema = Type.Object(
  {
    sessionId: SessionId,
    // Length after trimming is the service's job; this only bounds what is read at all.
    text: Type.String({ maxLength: 4000 }),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Client-chosen id: resending the same clientId returns the saved message instead of a duplicate',
      }),
    ),
  },
  strict,
);

export const SendReactionRequestSchema = Type.Object({ sessionId: SessionId, emoji: Type.String({ minLength: 1, maxLength: 16 }) }, strict);

type ClientMessage = { request: TSchema; result: TSchema; summary: string };

/** What clients emit, each with an acknowledgement callback. */
export const CLIENT_MESSAGES = {
  'session.subscribe': {
    request: SubscribeRequestSchema,
    result: SubscribeResultSchema,
    summary: 'receive the session; the ack is its snapshot',
  },
  'session.unsubscribe': { request: Type.Object({ sessionId: SessionId }, strict), result: Empty, summary: 'stop receiving it' },
  'chat.send': {
    request: SendChatRequestSchema,
    result: Type.Object({ message: ChatMessageSchema }),
    summary: 'send a chat message (subscribe first)',
  },
  'reaction.send': { request: SendReactionRequestSchema, result: Empty, summary: 'tap a reaction (subscribe first)' },
  'sessions.watch': {
    request: Empty,
    result: Empty,
    summary: 'join the sessions feed (public sessions; admins get private ones too); read the list over HTTP after the ack',
  },
  'sessions.unwatch': { request: Empty, result: Empty, summary: 'leave the sessions feed' },
} as const satisfies Record<string, ClientMessage>;

const event = <T extends TSchema>(payload: T, notes: string) => ({ payload, notes });
const withSession = <P extends Record<string, TSchema>>(fields: P) => Type.Object({ sessionId: SessionId, ...fields });

/** What the server pushes: to a session's subscribers, unless the notes say otherwise. */
export const SERVER_EVENTS = {
  'chat.message': event(ChatMessageSchema, 'after the message is saved'),
  'chat.deleted': event(withSession({ messageId: Type.String() }), 'remove it; it is gone from history too'),
  'chat.pinned': event(withSession({ message: Type.Union([ChatMessageSchema, Type.Null()]) }), '`null` clears the pin'),
  reactions: event(
    ReactionBurstSchema,
    '`counts`: taps since the last burst, per emoji; at most ~4 bursts per second per session per instance',
  ),
  'session.counters': event(CountersSchema, 'at most one per second per session; also to the sessions feed'),
  'session.settings': event(withSession({ settings: SessionSettingsSchema }), 'after a host, co-host or admin changes them'),
  'session.ended': event(
    withSession({ reason: Type.String(), endedAt: Type.String({ format: 'date-time' }) }),
    'the subscription is over; the server removes the socket from the session',
  ),
  'stage.request': event(
    withSession({ request: StageRequestSchema }),
    'to the host, co-hosts, admins and the user concerned: a stage request or invite was created or changed',
  ),
  'participant.role': event(
    withSession({ userId: Type.String(), role: ParticipantRoleSchema }),
    "someone's role changed (their LiveKit grants changed with it); a new co-host's sockets join the moderators",
  ),
  'session.permissions': event(
    withSession({ role: ParticipantRoleSchema, permissions: PermissionsSchema }),
    'to the user concerned: what they may do changed (their role or a setting changed; a ban or the end comes as session.removed or session.ended instead); the same `role` and `permissions` the subscribe answer gives, so clients never work them out',
  ),
  'session.removed': event(
    withSession({
      reason: Type.Union([Type.Literal('kicked'), Type.Literal('banned')]),
      message: Type.Union([Type.String(), Type.Null()]),
    }),
    'to the user concerned: they no longer receive this session',
  ),
  'ingest.status': event(
    withSession({ ingest: Type.Union([IngestStatusSchema, Type.Null()]) }),
    "to the host and admins: the ingest's state changed, or fresh figures while receiving; `null`: deleted",
  ),
  'recording.started': event(
    withSession({ recording: RecordingStateSchema }),
    'to everyone subscribed: the session is being recorded from now on (consent: show REC or a badge)',
  ),
  'recording.stopped': event(
    withSession({ recordingId: Type.String({ format: 'uuid' }) }),
    'to everyone subscribed: the recording stopped (the file is being finalized)',
  ),
  'sessions.live': event(
    Type.Object({ session: SessionSchema }),
    'to the sessions feed: a session went live (`Session` as `GET /v1/sessions/{id}` returns it)',
  ),
  'sessions.ended': event(
    Type.Object({ sessionId: SessionId, endedAt: Type.String({ format: 'date-time' }) }),
    'to the sessions feed: a session ended',
  ),
} as const;

/** Every code a realtime ack or a refused connection carries, and when. */
export const REALTIME_ERRORS = {
  UNAUTHENTICATED: 'connecting without a token (or an API key and user)',
  INVALID_TOKEN: 'the token was rejected (expired, wrong signature or audience)',
  INVALID_API_KEY: 'the API key is not one of GOLIVE_API_KEYS',
  AUTH_UNAVAILABLE: 'tokens cannot be verified right now (the JWKS did not answer); reconnect later',
  VALIDATION_FAILED: 'the payload is malformed (e.g. a session id that is not a UUID), or an API key without a user',
  SESSION_NOT_FOUND: 'no such session',
  SESSION_FORBIDDEN: 'a private session the user is not allowed in',
  SESSION_ENDED: 'subscribing to, or sending to, an ended session',
  BANNED: 'the user is banned from the session',
  NOT_SUBSCRIBED: 'sending to a session without subscribing first',
  MESSAGE_EMPTY: 'the text is empty after trimming',
  MESSAGE_TOO_LONG: 'more than 500 characters (Unicode code points) after trimming',
  CHAT_DISABLED: 'chat is off in this session',
  SLOW_MODE: 'slow mode is on; `retryAfterMs` says when the next message is allowed',
  RATE_LIMITED: "the user's limit (default 5 messages per 10 s; 20 reactions per 10 s) is reached; `retryAfterMs`",
  REACTIONS_DISABLED: 'reactions are off in this session',
  REACTION_UNKNOWN: 'the emoji is not in the reaction set',
  INTERNAL: 'a server fault; retry later',
} as const;
export type RealtimeErrorCode = keyof typeof REALTIME_ERRORS;
export const REALTIME_ERROR_CODES = Object.keys(REALTIME_ERRORS) as RealtimeErrorCode[];

export const RealtimeErrorSchema = Type.Object({
  code: Type.Enum(REALTIME_ERROR_CODES),
  message: Type.String(),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type RealtimeError = Static<typeof RealtimeErrorSchema>;

/** Every acknowledgement is either ok with data, or an error with a stable code. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: RealtimeError };

type Messages = typeof CLIENT_MESSAGES;
type Events = typeof SERVER_EVENTS;
export type ClientMessageName = keyof Messages;
export type ServerEventName = keyof Events;
export type RequestOf<K extends ClientMessageName> = Static<Messages[K]['request']>;
export type ResultOf<K extends ClientMessageName> = Static<Messages[K]['result']>;
export type PayloadOf<K extends ServerEventName> = Static<Events[K]['payload']>;

/** Events the client emits, with their acknowledgement (Socket.IO's typed events). */
export type ClientToServerEvents = { [K in ClientMessageName]: (req: RequestOf<K>, ack: (res: Ack<ResultOf<K>>) => void) => void };
/** Events the server pushes. */
export type ServerToClientEvents = { [K in ServerEventName]: (payload: PayloadOf<K>) => void };

export type SubscribeRequest = RequestOf<'session.subscribe'>;
export type SubscribeResult = ResultOf<'session.subscribe'>;
export type SendChatRequest = RequestOf<'chat.send'>;
export type SendReactionRequest = RequestOf<'reaction.send'>;
