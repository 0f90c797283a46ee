// The API's models, named for callers. All are derived from the generated OpenAPI types, so they
// follow the server's schemas; nothing here is written by hand.
import type { components, operations } from './generated/openapi.ts';

type Schemas = components['schemas'];
type JsonBody<Op extends keyof operations> = operations[Op] extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : never;
type JsonResponse<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer R } }> ? R : never;
type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Session = Schemas['Session'];
export type JoinGrant = Schemas['JoinGrant'];
export type SessionEvent = Schemas['SessionEvent'];
/** The body of every error response. */
export type ErrorBody = Schemas['Error'];

export type SessionMode = Session['mode'];
export type SessionVisibility = Session['visibility'];
export type SessionStatus = Session['status'];
/** host, guest (allowlisted publisher), viewer, or observer (a hidden admin). */
export type SessionRole = JoinGrant['role'];

export type CreateSessionInput = JsonBody<'createSession'>;
export type EndSessionInput = JsonBody<'endSession'>;
export type ListSessionsQuery = Query<'listSessions'>;
export type SessionPage = JsonResponse<'listSessions', 200>;
export type ListSessionEventsQuery = Query<'listSessionEvents'>;
export type SessionEventPage = JsonResponse<'listSessionEvents', 200>;
export type DevLoginInput = JsonBody<'devLogin'>;
export type DevLoginResult = JsonResponse<'devLogin', 200>;
/** The caller as golive sees them (GET /v1/me). */
export type Me = Schemas['Me'];

export type SessionSettings = Schemas['SessionSettings'];
export type SessionSettingsPatch = JsonBody<'updateSessionSettings'>;
export type ChatMessageView = Schemas['ChatMessage'];
export type ListMessagesQuery = Query<'listMessages'>;
export type MessagePage = JsonResponse<'listMessages', 200>;

export type StageRequestView = Schemas['StageRequest'];
export type Participant = Schemas['Participant'];
export type RoleChange = JsonResponse<'setParticipantRole', 200>;
/** What a mute applies to: the participant's microphone, camera or screen share. */
export type MuteKind = JsonBody<'muteParticipant'>['kind'];
export type MuteResult = JsonResponse<'muteParticipant', 200>;
export type KickInput = JsonBody<'kickParticipant'>;
export type Ban = Schemas['Ban'];
export type BanInput = JsonBody<'banParticipant'>;
export type Report = Schemas['Report'];
export type ReportInput = JsonBody<'reportSession'>;
export type ListReportsQuery = Query<'listReports'>;
/** What createIngest and rotateIngestKey answer: the only time the stream key is shown. */
export type IngestCredentials = Schemas['IngestCredentials'];

/** A recording of a session: recording, processing (being finalized), ready or failed. */
export type Recording = Schemas['Recording'];
export type RecordingStatus = Recording['status'];
export type RecordingVisibility = Recording['visibility'];
/** A signed URL to a recording's MP4 and when it stops working. */
export type RecordingPlayback = Schemas['RecordingPlayback'];
/** A recording the caller may play, with its session (listReplays). */
export type Replay = Schemas['Replay'];
export type ListReplaysQuery = Query<'listReplays'>;
export type UpdateRecordingInput = JsonBody<'updateRecording'>;
/** The session's chat for a replay: offsets from the recording's start, deletions and pins. */
export type RecordingChat = Schemas['RecordingChat'];
export type RecordingChatMessage = RecordingChat['messages'][number];
export type RecordingPin = RecordingChat['pins'][number];

export type SessionStats = Schemas['SessionStats'];
export type PlatformStats = Schemas['PlatformStats'];
export type PlatformStatsQuery = Query<'getPlatformStats'>;
/** One client's WebRTC stats over one interval (see docs/api.md, sendTelemetry). */
export type TelemetryReport = JsonBody<'sendTelemetry'>;
