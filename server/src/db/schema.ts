import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AssignableRole, StageRequest } from '../contract.ts';

/** Kysely's view of the tables created by ./migrations. */
export type Database = {
  sessions: SessionsTable;
  session_members: SessionMembersTable;
  participant_connections: ParticipantConnectionsTable;
  livekit_webhook_deliveries: WebhookDeliveriesTable;
  session_events: SessionEventsTable;
  chat_messages: ChatMessagesTable;
  reaction_totals: ReactionTotalsTable;
  session_roles: SessionRolesTable;
  session_bans: SessionBansTable;
  stage_requests: StageRequestsTable;
  reports: ReportsTable;
  outbox: OutboxTable;
  worker_leases: WorkerLeasesTable;
  ingests: IngestsTable;
  whip_resources: WhipResourcesTable;
  participant_role_changes: ParticipantRoleChangesTable;
  reaction_buckets: ReactionBucketsTable;
  session_start_failures: SessionStartFailuresTable;
  session_telemetry: SessionTelemetryTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_attempts: WebhookAttemptsTable;
  recordings: RecordingsTable;
};

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type SessionStatus = 'live' | 'ended';
export type SessionMode = 'broadcast' | 'interactive';
export type SessionVisibility = 'public' | 'private';

export type SessionsTable = {
  id: string;
  host_id: string;
  host_name: string;
  title: string;
  mode: SessionMode;
  visibility: SessionVisibility;
  external_ref: string | null;
  tags: string[];
  cover_url: string | null;
  max_duration_sec: number;
  status: SessionStatus;
  viewer_count: Generated<number>;
  peak_viewers: Generated<number>;
  /** Newest LiveKit event time applied, to tell in-order deliveries from late ones. */
  last_webhook_at: Date | null;
  started_at: Timestamp;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  settings: ColumnType<StoredSettings, string | undefined, string>;
  chat_seq: Generated<string>;
  pinned_message_id: string | null;
  /** When golive found the LiveKit room gone and could not re-create it yet; null otherwise. */
  interrupted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Bumped by every change to what join decides on; see work/facts-cache.ts. */
  facts_version: Generated<string>;
  /** A batch of edges arrived out of order and the peak awaits its re-derivation; null otherwise. */
  peak_dirty_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** createSession's recording: {auto: true}: the first published track starts a recording. */
  recording_auto: ColumnType<boolean, boolean | undefined, boolean>;
};

/** The settings document as stored: only keys that were set; defaults fill the rest. */
export type StoredSettings = Partial<Record<string, unknown>>;

/** Who belongs to a session beyond the public: the host and the allowlist. */
export type MemberRole = 'host' | 'participant';
export type SessionMembersTable = {
  session_id: string;
  user_id: string;
  role: MemberRole;
  added_at: Timestamp;
};

/** One row per LiveKit participant connection (sid), so joins and leaves compose in any order. */
export type ParticipantConnectionsTable = {
  session_id: string;
  participant_sid: string;
  identity: string;
  role: string;
  /** Counted in viewer_count: a subscriber that is neither hidden nor publishing. */
  counted: boolean;
  joined_at: Date | null;
  left_at: Date | null;
  name: ColumnType<string | null, string | null | undefined, string | null>;
  /** The role and counted it had when the row was made; `role` and `counted` follow stage changes. */
  joined_role: string;
  joined_counted: boolean;
};

export type WebhookDeliveriesTable = {
  event_id: string;
  event: string;
  received_at: Timestamp;
};

export type SessionEventsTable = {
  id: Generated<string>;
  session_id: string;
  type: string;
  actor_id: string | null;
  target_id: string | null;
  reason: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: Timestamp;
  /** Per session, from 1, in commit order; null only before it existed (migrated rows have one). */
  sequence: ColumnType<string | null, string | number | undefined, never>;
  /** The session as it was when the event was recorded (the webhook body's `data.session`). */
  session: ColumnType<Record<string, unknown> | null, string | undefined, never>;
};

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionEvent = Insertable<SessionEventsTable>;

export type ChatMessagesTable = {
  id: string;
  session_id: string;
  seq: string;
  user_id: string;
  user_name: string;
  user_role: string;
  text: string;
  client_id: string | null;
  created_at: Timestamp;
  deleted_at: Date | null;
  deleted_by: string | null;
};

export type ReactionTotalsTable = {
  session_id: string;
  emoji: string;
  count: ColumnType<string, string | number, string | number>;
};

/** Stage roles set by the host or co-hosts; absent means the default for the user. */
/** A role stored for a member (the contract's assignable roles). */
export type StageRole = AssignableRole;
export type SessionRolesTable = {
  session_id: string;
  user_id: string;
  role: StageRole;
  updated_at: Timestamp;
  updated_by: string;
};

export type SessionBansTable = {
  session_id: string;
  user_id: string;
  reason: string | null;
  banned_by: string;
  created_at: Timestamp;
  expires_at: Date | null;
};

/** The contract's stage request statuses, stored as text. */
export type StageRequestStatus = StageRequest['status'];
export type StageRequestsTable = {
  id: string;
  session_id: string;
  user_id: string;
  user_name: string;
  kind: 'request' | 'invite';
  status: StageRequestStatus;
  created_by: string;
  created_at: Timestamp;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
};

export type ReportsTable = {
  id: string;
  session_id: string;
  reporter_id: string;
  message_id: string | null;
  reason: string;
  status: 'open' | 'resolved';
  created_at: Timestamp;
  resolved_at: Date | null;
  resolved_by: string | null;
};

export type OutboxStatus = 'pending' | 'done' | 'failed';
export type OutboxTable = {
  id: Generated<string>;
  kind: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  session_id: string | null;
  ordering_key: string | null;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  run_after: Timestamp;
  attempts: Generated<number>;
  locked_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: Timestamp;
  done_at: Date | null;
};

export type WorkerLeasesTable = {
  name: string;
  holder: string;
  expires_at: Date;
};

/** The host's ingest of a session (ingest/ingest.repository.ts); the key only as its hash. */
export type IngestsTable = {
  id: string;
  session_id: string;
  host_id: string;
  /** SHA-256 of the stream key, hex; null once the session ended. */
  key_hash: string | null;
  /** The key's generation, stamped on the ingest participant; null once the session ended. */
  key_id: string | null;
  created_by: string;
  created_at: Timestamp;
  key_rotated_at: Date | null;
  state: ColumnType<'waiting' | 'receiving' | 'stopped', 'waiting' | 'receiving' | 'stopped' | undefined>;
  protocol: 'whip' | 'rtmp' | null;
  video: boolean | null;
  video_width: number | null;
  video_height: number | null;
  video_fps: number | null;
  audio: boolean | null;
  bitrate_kbps: number | null;
  stop_reason: string | null;
  stop_message: string | null;
  /** The WHIP publish's LiveKit participant that made it receiving. */
  participant_sid: string | null;
  state_at: Timestamp;
};

export type WhipResourcesTable = {
  id: string;
  ingest_id: string;
  session_id: string;
  identity: string;
  livekit_path: string;
  created_at: Timestamp;
};

/** A connection's role changed while it was open (relabel): what it became, and when. */
export type ParticipantRoleChangesTable = {
  id: Generated<string>;
  session_id: string;
  participant_sid: string;
  role: string;
  counted: boolean;
  at: Timestamp;
};

/** Reactions in one 10 s bucket of a session: bucket n starts 10n s after the session. */
export type ReactionBucketsTable = {
  session_id: string;
  bucket: number;
  emoji: string;
  count: ColumnType<string, string | number, string | number>;
};

export type SessionStartFailuresTable = {
  id: Generated<string>;
  host_id: string;
  reason: string;
  created_at: Timestamp;
};

type Total = ColumnType<string, string | number | undefined, string | number>;
/** Client telemetry summed per session, user and direction. */
export type SessionTelemetryTable = {
  session_id: string;
  user_id: string;
  direction: 'receive' | 'send';
  reports: Total;
  interval_ms: Total;
  bytes: Total;
  packets: Total;
  packets_lost: Total;
  frames_decoded: Total;
  frames_dropped: Total;
  freezes: Total;
  freeze_ms: Total;
  connect_attempts: Total;
  connect_failures: Total;
  first_frames: Total;
  first_frame_ms_sum: Total;
  first_frame_ms_max: Total;
  updated_at: Timestamp;
};
export type WebhookEndpointsTable = {
  id: string;
  url: string;
  description: string | null;
  /** null: every event type. */
  event_types: string[] | null;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  from_env: ColumnType<boolean, boolean | undefined, boolean>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type WebhookAttemptsTable = {
  id: Generated<string>;
  delivery_id: string;
  endpoint_id: string;
  attempt: number;
  attempted_at: Timestamp;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  next_attempt_at: Date | null;
};

export type RecordingStatus = 'recording' | 'processing' | 'ready' | 'failed';
export type RecordingVisibility = 'private' | 'public';
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export type RecordingsTable = {
  id: string;
  session_id: string;
  status: ColumnType<RecordingStatus, RecordingStatus | undefined, RecordingStatus>;
  visibility: ColumnType<RecordingVisibility, RecordingVisibility | undefined, RecordingVisibility>;
  started_by: string;
  auto: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  /** Media time 0 once the recorder wrote its first frame; until then, when it was asked for. */
  started_at: Timestamp;
  ended_at: Nullable<Date | string>;
  duration_sec: Nullable<number>;
  /** bigint, read as a string. */
  size_bytes: Nullable<string | number>;
  interrupted: ColumnType<boolean, boolean | undefined, boolean>;
  error: Nullable<string>;
  file_key: Nullable<string>;
  recorder_instance: Nullable<string>;
  recorder_seen_at: Nullable<Date | string>;
  /** [[wallStartMs, lengthMs], ...]: see recording/media-gaps.ts. */
  media_gaps: ColumnType<unknown, string | undefined, string>;
  updated_at: Timestamp;
};
