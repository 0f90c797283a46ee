/**
 * The golive realtime protocol (Socket.IO, path /v1/realtime, WebSocket transport).
 * Shared by the server and the SDK so both sides agree at compile time; docs/realtime.md is the
 * prose version for clients in other languages.
 */

import type { components } from '../generated/openapi.ts';

export const REALTIME_PATH = '/v1/realtime';

/** A session as the HTTP API presents it (GET /v1/sessions/{id}); the sessions feed carries it. */
export type SessionInfo = components['schemas']['Session'];

export type ChatRole = 'host' | 'cohost' | 'guest' | 'viewer' | 'admin';

export type ChatMessage = {
  id: string;
  sessionId: string;
  /** Per-session sequence number: strictly increasing in the order messages were saved. */
  seq: number;
  user: { id: string; name: string; role: ChatRole };
  text: string;
  createdAt: string;
};

export type SessionSettingsView = {
  chatEnabled: boolean;
  reactionsEnabled: boolean;
  /** Minimum seconds between two messages of one viewer; 0 is off. Hosts, co-hosts and admins are exempt. */
  slowModeSec: number;
  /** Viewers may ask to come on stage. */
  allowGuests: boolean;
  /** Requests wait for the host or a co-host; when off they are approved at once, up to maxGuests. */
  requireApproval: boolean;
  /** Guests on stage at once (the host and co-hosts are not counted), at most 20. */
  maxGuests: number;
  /** What guests may publish. */
  guestCanPublish: { camera: boolean; microphone: boolean; screen: boolean };
  /** Connected participants at once; 0 is no limit. */
  maxParticipants: number;
};

/** A participant's role in a session. observer is a hidden admin. */
export type ParticipantRole = 'host' | 'cohost' | 'guest' | 'viewer' | 'observer';

/** A viewer's request to come on stage, or a host's invitation. */
export type StageRequest = {
  id: string;
  sessionId: string;
  userId: string;
  userName: string;
  kind: 'request' | 'invite';
  status: 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'accepted' | 'declined';
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
};

/** What the caller may do in the session, as golive's policy decides it (also in the join answer). */
export type Permissions = {
  canPublish: boolean;
  /** The LiveKit track sources the caller's token may publish. */
  publishSources: ('camera' | 'microphone' | 'screen_share' | 'screen_share_audio')[];
  canChat: boolean;
  canReact: boolean;
  canRequestStage: boolean;
  /** Decide stage requests, invite, promote guests, delete and pin chat, mute, kick and ban. */
  canModerate: boolean;
  canManageCohosts: boolean;
  canChangeSettings: boolean;
  canEnd: boolean;
  canRecord: boolean;
  canReadEvents: boolean;
};

export type Counters = { sessionId: string; viewerCount: number; peakViewers: number };

/** How the host's encoder reaches golive: WHIP (OBS 30 and later), or RTMP relayed by golive. */
export type IngestProtocol = 'whip' | 'rtmp';

/** Why an ingest stopped. */
export type IngestStopReason =
  /** The encoder closed the connection (OBS "Stop Streaming", a WHIP DELETE). */
  | 'encoder_disconnected'
  /** The same key connected again from a new connection (an encoder reconnecting): the new one won. */
  | 'replaced'
  /** RTMP: nothing arrived for 15 s. */
  | 'idle_timeout'
  /** RTMP: the golive instance already relays its limit of ingests. */
  | 'limit_reached'
  /** The key was rotated: the encoder must reconnect with the new key. */
  | 'key_rotated'
  /** The ingest was deleted. */
  | 'ingest_deleted'
  /** The session ended. */
  | 'session_ended'
  /** The golive instance relaying RTMP shut down: the encoder reconnects to another. */
  | 'shutdown'
  /** Decoding or publishing failed; `message` says what. */
  | 'error';

/**
 * The host's ingest (OBS or a hardware encoder) as golive knows it; never the stream key. Pushed
 * as `ingest.status` to the host and admins subscribed to the session.
 */
export type IngestStatus = {
  sessionId: string;
  /** waiting: no encoder yet (or since the key was rotated); receiving: media arrives; stopped: the encoder went away. */
  state: 'waiting' | 'receiving' | 'stopped';
  /** How the encoder connected, once one has. */
  protocol: IngestProtocol | null;
  /**
   * The picture received, null when none (yet). RTMP: its decoded size and frame rate. WHIP: the
   * encoder's media goes to LiveKit untouched, and LiveKit does not report the size (null).
   */
  video: { width: number | null; height: number | null; fps: number | null } | null;
  /** Sound is received too; null when not known yet. */
  audio: boolean | null;
  /** What the encoder sends, measured over the last few seconds; RTMP only (WHIP media never passes through golive). */
  bitrateKbps: number | null;
  stopReason: IngestStopReason | null;
  /** What went wrong, for an error stop (or a refused RTMP publish). */
  message: string | null;
  updatedAt: string;
};

export type ReactionBurst = {
  sessionId: string;
  /** Taps since the previous burst, per emoji. */
  counts: Record<string, number>;
  /** Running totals for the session, per emoji. */
  totals: Record<string, number>;
};

export type RealtimeErrorCode =
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'INVALID_API_KEY'
  | 'VALIDATION_FAILED'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_FORBIDDEN'
  | 'SESSION_ENDED'
  | 'BANNED'
  | 'NOT_SUBSCRIBED'
  | 'MESSAGE_EMPTY'
  | 'MESSAGE_TOO_LONG'
  | 'CHAT_DISABLED'
  | 'SLOW_MODE'
  | 'RATE_LIMITED'
  | 'REACTIONS_DISABLED'
  | 'REACTION_UNKNOWN'
  | 'AUTH_UNAVAILABLE'
  | 'INTERNAL';

export type RealtimeError = { code: RealtimeErrorCode; message: string; retryAfterMs?: number };

/** Every acknowledgement is either ok with data, or an error with a stable code. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: RealtimeError };

export type SubscribeRequest = {
  sessionId: string;
  /** Resume: the highest seq the client already has; the ack carries every message after it. */
  sinceSeq?: number;
};

export type SubscribeResult = {
  session: { id: string; status: 'live' | 'ended'; settings: SessionSettingsView } & Omit<Counters, 'sessionId'>;
  /** In seq order: the last N messages, or everything after sinceSeq (up to the resume limit). */
  messages: ChatMessage[];
  /** The highest seq handed out when the snapshot was taken (messages may have been deleted since). */
  headSeq: number;
  /** True when more than the resume limit was missed; fetch the rest with the history route. */
  truncated: boolean;
  /** Messages deleted recently, so a resuming client can drop them. */
  deletedMessageIds: string[];
  pinned: ChatMessage | null;
  reactionTotals: Record<string, number>;
  /** The reaction set of this deployment. */
  reactions: string[];
  /** The caller's role in the session now. */
  role: ParticipantRole;
  permissions: Permissions;
  /**
   * The session's ingest, for the host and admins (who then also get `ingest.status` pushes);
   * null when there is none. Absent for everyone else.
   */
  ingest?: IngestStatus | null;
  /** The recording in progress, null when none: everyone subscribed is told (consent). */
  recording: RecordingState | null;
};

/** A recording in progress, as everyone in the session is told of it (consent). */
export type RecordingState = { id: string; startedAt: string; auto: boolean };

export type SendChatRequest = {
  sessionId: string;
  text: string;
  /** Client-chosen id: resending the same clientId returns the saved message instead of a duplicate. */
  clientId?: string;
};

export type SendReactionRequest = { sessionId: string; emoji: string };

/** Events the client emits, with their acknowledgement. */
export type ClientToServerEvents = {
  'session.subscribe': (req: SubscribeRequest, ack: (res: Ack<SubscribeResult>) => void) => void;
  'session.unsubscribe': (req: { sessionId: string }, ack: (res: Ack<Record<never, never>>) => void) => void;
  'chat.send': (req: SendChatRequest, ack: (res: Ack<{ message: ChatMessage }>) => void) => void;
  'reaction.send': (req: SendReactionRequest, ack: (res: Ack<Record<never, never>>) => void) => void;
  /**
   * Joins the sessions feed: sessions going live and ending, and their counters, pushed as they
   * happen (public sessions; admins get private ones too). Read the current list over HTTP after
   * the ack, so nothing that happens in between is missed.
   */
  'sessions.watch': (req: Record<never, never>, ack: (res: Ack<Record<never, never>>) => void) => void;
  'sessions.unwatch': (req: Record<never, never>, ack: (res: Ack<Record<never, never>>) => void) => void;
};

/**
 * Events the server pushes: to subscribers of a session, and (sessions.live, sessions.ended and
 * session.counters) to sockets watching the sessions feed.
 */
export type ServerToClientEvents = {
  'chat.message': (message: ChatMessage) => void;
  'chat.deleted': (event: { sessionId: string; messageId: string }) => void;
  'chat.pinned': (event: { sessionId: string; message: ChatMessage | null }) => void;
  reactions: (burst: ReactionBurst) => void;
  'session.counters': (counters: Counters) => void;
  'session.settings': (event: { sessionId: string; settings: SessionSettingsView }) => void;
  'session.ended': (event: { sessionId: string; reason: string; endedAt: string }) => void;
  /** To the host, co-hosts and the user concerned: a stage request or invite was created or changed. */
  'stage.request': (event: { sessionId: string; request: StageRequest }) => void;
  /** To everyone: a participant's role changed (their LiveKit grants changed with it). */
  'participant.role': (event: { sessionId: string; userId: string; role: ParticipantRole }) => void;
  /** To the user concerned: they were kicked or banned and no longer receive this session. */
  'session.removed': (event: { sessionId: string; reason: 'kicked' | 'banned'; message: string | null }) => void;
  /**
   * To the host and admins subscribed to the session: the ingest's state changed (waiting,
   * receiving with fresh figures every few seconds, stopped), or it was deleted (`ingest: null`).
   */
  'ingest.status': (event: { sessionId: string; ingest: IngestStatus | null }) => void;
  /** To everyone subscribed: the session is being recorded from now on. */
  'recording.started': (event: { sessionId: string; recording: RecordingState }) => void;
  /** To everyone subscribed: the recording stopped (the file is being finalized). */
  'recording.stopped': (event: { sessionId: string; recordingId: string }) => void;
  /** To the sessions feed: a session went live. */
  'sessions.live': (event: { session: SessionInfo }) => void;
  /** To the sessions feed: a session ended. */
  'sessions.ended': (event: { sessionId: string; endedAt: string }) => void;
};
