// GoliveClient: one method per operation of golive's HTTP API, over the transport in http-transport.ts.
import { type ActAs, createHttpTransport, type GoliveClientOptions, type RequestOptions } from './http-transport.ts';
import type { AssignableRole, ChatMessage } from './realtime/protocol.ts';
import { GoliveRealtime, type RealtimeOptions } from './realtime/realtime-client.ts';
import type {
  Ban,
  BanInput,
  CreateSessionInput,
  DevLoginInput,
  DevLoginResult,
  EndSessionInput,
  IngestCredentials,
  JoinGrant,
  KickInput,
  ListMessagesQuery,
  ListReplaysQuery,
  ListReportsQuery,
  ListSessionEventsQuery,
  ListSessionsQuery,
  Me,
  MessagePage,
  MuteKind,
  MuteResult,
  Participant,
  PlatformStats,
  PlatformStatsQuery,
  Recording,
  RecordingChat,
  RecordingPlayback,
  Replay,
  Report,
  ReportInput,
  RoleChange,
  Session,
  SessionEventPage,
  SessionPage,
  SessionSettings,
  SessionSettingsPatch,
  SessionStats,
  StageRequestView,
  TelemetryReport,
  UpdateRecordingInput,
} from './types.ts';

export type { ActAs, GoliveClientOptions, RequestOptions, TokenSource } from './http-transport.ts';

/** One method per operation of golive's API (named after its operationId). Each throws GoliveError on failure. */
export type GoliveClient = {
  /** Dev mode only: a user token for a name (404 ROUTE_NOT_FOUND in production). Sends no credentials. */
  devLogin(input: DevLoginInput, options?: RequestOptions): Promise<DevLoginResult>;
  /** The caller as golive sees them: id, name, and whether golive treats them as an admin. */
  getMe(options?: RequestOptions): Promise<Me>;
  /** Starts a live session with the caller as host, and returns the host's LiveKit grant. */
  createSession(input: CreateSessionInput, options?: RequestOptions): Promise<JoinGrant>;
  /** Sessions the caller may see, newest first; pass `nextCursor` back as `cursor` for the next page. */
  listSessions(query?: ListSessionsQuery, options?: RequestOptions): Promise<SessionPage>;
  getSession(id: string, options?: RequestOptions): Promise<Session>;
  /** The newest session for the app's own reference, the live one first. */
  getSessionByExternalRef(externalRef: string, options?: RequestOptions): Promise<Session>;
  /** A short-lived LiveKit token with the grants of the caller's role in the session. */
  joinSession(id: string, options?: RequestOptions): Promise<JoinGrant>;
  /** Ends the session (host or admin); everyone is disconnected. */
  endSession(id: string, input?: EndSessionInput, options?: RequestOptions): Promise<Session>;
  /** The session's audit log (host and admins); pass `nextAfter` back as `after` for the next page. */
  listSessionEvents(id: string, query?: ListSessionEventsQuery, options?: RequestOptions): Promise<SessionEventPage>;
  /** Changes settings live (host or admin): chat on/off, reactions on/off, slow mode. */
  updateSessionSettings(id: string, patch: SessionSettingsPatch, options?: RequestOptions): Promise<SessionSettings>;
  /** Chat history, oldest first; pass `nextBefore` back as `before` for the previous page. */
  listMessages(id: string, query?: ListMessagesQuery, options?: RequestOptions): Promise<MessagePage>;
  /** Deletes a message for everyone (host or admin). */
  deleteMessage(id: string, messageId: string, options?: RequestOptions): Promise<void>;
  /** Pins a message that subscribers see on join (host or admin). */
  pinMessage(id: string, messageId: string, options?: RequestOptions): Promise<ChatMessage>;
  unpinMessage(id: string, options?: RequestOptions): Promise<void>;
  /** Asks to come on stage; approved at once when the session does not require approval. */
  requestStage(id: string, options?: RequestOptions): Promise<StageRequestView>;
  /** Withdraws the caller's pending stage request. */
  cancelStageRequest(id: string, options?: RequestOptions): Promise<StageRequestView>;
  /** Pending requests and invites: all of them for the host and co-hosts, the caller's own otherwise. */
  listStageRequests(id: string, options?: RequestOptions): Promise<StageRequestView[]>;
  /** The viewer becomes a guest: their LiveKit grants change live, without a reconnect (host or co-host). */
  approveStageRequest(id: string, requestId: string, options?: RequestOptions): Promise<StageRequestView>;
  rejectStageRequest(id: string, requestId: string, options?: RequestOptions): Promise<StageRequestView>;
  /** Invites a viewer on stage (host or co-host); they accept or decline. */
  inviteToStage(id: string, userId: string, options?: RequestOptions): Promise<StageRequestView>;
  acceptStageInvite(id: string, requestId: string, options?: RequestOptions): Promise<StageRequestView>;
  declineStageInvite(id: string, requestId: string, options?: RequestOptions): Promise<StageRequestView>;
  /** Steps the caller down from the stage to viewer; their tracks stop. */
  leaveStage(id: string, options?: RequestOptions): Promise<void>;
  /** Promotes or demotes: guest and viewer by the host or a co-host, co-host by the host. */
  setParticipantRole(id: string, userId: string, role: AssignableRole, options?: RequestOptions): Promise<RoleChange>;
  /** Participants with their roles and whether they are connected. */
  listParticipants(id: string, options?: RequestOptions): Promise<Participant[]>;
  /** Mutes a participant's microphone, camera or screen share; they unmute themselves. */
  muteParticipant(id: string, userId: string, kind: MuteKind, options?: RequestOptions): Promise<MuteResult>;
  /** Removes a participant from the room; they may join again. */
  kickParticipant(id: string, userId: string, input?: KickInput, options?: RequestOptions): Promise<void>;
  /** Bans a user from the session (optionally for durationSec): removed at once and kept out. */
  banParticipant(id: string, input: BanInput, options?: RequestOptions): Promise<Ban>;
  /** Active bans (host, co-host or admin). */
  listBans(id: string, options?: RequestOptions): Promise<Ban[]>;
  unbanParticipant(id: string, userId: string, options?: RequestOptions): Promise<void>;
  /**
   * Streaming from OBS or an encoder (host or admin): the WHIP URL, the RTMP URL and the stream
   * key, shown only in this answer and in rotateIngestKey's.
   */
  createIngest(id: string, options?: RequestOptions): Promise<IngestCredentials>;
  /** A new stream key; the old one stops working at once and a publish with it is stopped. */
  rotateIngestKey(id: string, options?: RequestOptions): Promise<IngestCredentials>;
  /** Removes the ingest: its key stops working and its publish is stopped. */
  deleteIngest(id: string, options?: RequestOptions): Promise<void>;
  /** Starts recording the session (host or admin); one at a time per session. */
  startRecording(id: string, options?: RequestOptions): Promise<Recording>;
  /** Stops a recording: processing, then ready once its MP4 is stored. */
  stopRecording(id: string, recordingId: string, options?: RequestOptions): Promise<Recording>;
  /** The session's recordings, newest first (all for the host and admins, the playable ones for others). */
  listRecordings(id: string, options?: RequestOptions): Promise<Recording[]>;
  /** Replays: the ready recordings the caller may play, newest first, with their session. */
  listReplays(query?: ListReplaysQuery, options?: RequestOptions): Promise<Replay[]>;
  /** A signed URL to the recording's MP4 (15 min by default). */
  getRecordingPlayback(recordingId: string, options?: RequestOptions): Promise<RecordingPlayback>;
  /** The session's chat for the replay, with offsets from the recording's start. */
  getRecordingChat(recordingId: string, options?: RequestOptions): Promise<RecordingChat>;
  /** Makes a recording public or private (host or admin). */
  updateRecording(recordingId: string, input: UpdateRecordingInput, options?: RequestOptions): Promise<Recording>;
  /** Deletes a finished recording and its files (host or admin). */
  deleteRecording(recordingId: string, options?: RequestOptions): Promise<void>;
  /** Reports a session, or one of its messages with messageId; admins see open reports. */
  reportSession(id: string, input: ReportInput, options?: RequestOptions): Promise<Report>;
  /** Abuse reports, newest first (admins). */
  listReports(query?: ListReportsQuery, options?: RequestOptions): Promise<Report[]>;
  /** Marks a report handled (admins). */
  resolveReport(reportId: string, options?: RequestOptions): Promise<Report>;
  /** The session's analytics, live or after it ended (host, co-hosts, admins). */
  getSessionStats(id: string, options?: RequestOptions): Promise<SessionStats>;
  /** Platform analytics over [from, to), default the last 24 h (admins, or the API key alone). */
  getPlatformStats(query?: PlatformStatsQuery, options?: RequestOptions): Promise<PlatformStats>;
  /** Reports this client's WebRTC stats for the last interval; send one every 10 s per direction. */
  sendTelemetry(id: string, report: TelemetryReport, options?: RequestOptions): Promise<void>;
  /**
   * A realtime connection with the same credentials (chat, reactions, counters); call connect()
   * on it. See docs/realtime.md.
   */
  realtime(options?: Pick<RealtimeOptions, 'gapTimeoutMs' | 'ackTimeoutMs'>): GoliveRealtime;
  /** The same client acting for another user (API-key clients only). */
  actingAs(user: ActAs): GoliveClient;
};

export function createGoliveClient(options: GoliveClientOptions): GoliveClient {
  const { api, send } = createHttpTransport(options);
  const path = (id: string) => ({ path: { id } });
  const request = (id: string, requestId: string) => ({ path: { id, requestId } });
  const user = (id: string, userId: string) => ({ path: { id, userId } });
  return {
    devLogin: (input, o) => send(false, o, (init) => api.POST('/v1/dev/login', { body: input, ...init })),
    getMe: (o) => send(true, o, (init) => api.GET('/v1/me', init)),
    createSession: (input, o) => send(true, o, (init) => api.POST('/v1/sessions', { body: input, ...init })),
    listSessions: (query = {}, o) => send(true, o, (init) => api.GET('/v1/sessions', { params: { query }, ...init })),
    getSession: (id, o) => send(true, o, (init) => api.GET('/v1/sessions/{id}', { params: path(id), ...init })),
    getSessionByExternalRef: (externalRef, o) =>
      send(true, o, (init) => api.GET('/v1/sessions/by-external-ref/{externalRef}', { params: { path: { externalRef } }, ...init })),
    joinSession: (id, o) => send(true, o, (init) => api.POST('/v1/sessions/{id}/join', { params: path(id), ...init })),
    endSession: (id, input = {}, o) =>
      send(true, o, (init) => api.POST('/v1/sessions/{id}/end', { params: path(id), body: input, ...init })),
    listSessionEvents: (id, query = {}, o) =>
      send(true, o, (init) => api.GET('/v1/sessions/{id}/events', { params: { ...path(id), query }, ...init })),
    updateSessionSettings: (id, patch, o) =>
      send(true, o, (init) => api.PATCH('/v1/sessions/{id}/settings', { params: path(id), body: patch, ...init })),
    listMessages: (id, query = {}, o) =>
      send(true, o, (init) => api.GET('/v1/sessions/{id}/messages', { params: { ...path(id), query }, ...init })),
    deleteMessage: async (id, messageId, o) => {
      await send(true, o, (init) => api.DELETE('/v1/sessions/{id}/messages/{messageId}', { params: { path: { id, messageId } }, ...init }));
    },
    pinMessage: async (id, messageId, o) =>
      (await send(true, o, (init) => api.PUT('/v1/sessions/{id}/pin', { params: path(id), body: { messageId }, ...init }))).pinned,
    unpinMessage: async (id, o) => {
      await send(true, o, (init) => api.DELETE('/v1/sessions/{id}/pin', { params: path(id), ...init }));
    },
    requestStage: (id, o) => send(true, o, (init) => api.POST('/v1/sessions/{id}/stage/requests', { params: path(id), body: {}, ...init })),
    cancelStageRequest: (id, o) =>
      send(true, o, (init) => api.DELETE('/v1/sessions/{id}/stage/requests/mine', { params: path(id), ...init })),
    listStageRequests: async (id, o) =>
      (await send(true, o, (init) => api.GET('/v1/sessions/{id}/stage/requests', { params: path(id), ...init }))).requests,
    approveStageRequest: (id, requestId, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/stage/requests/{requestId}/approve', { params: request(id, requestId), body: {}, ...init }),
      ),
    rejectStageRequest: (id, requestId, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/stage/requests/{requestId}/reject', { params: request(id, requestId), body: {}, ...init }),
      ),
    inviteToStage: (id, userId, o) =>
      send(true, o, (init) => api.POST('/v1/sessions/{id}/stage/invites', { params: path(id), body: { userId }, ...init })),
    acceptStageInvite: (id, requestId, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/stage/invites/{requestId}/accept', { params: request(id, requestId), body: {}, ...init }),
      ),
    declineStageInvite: (id, requestId, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/stage/invites/{requestId}/decline', { params: request(id, requestId), body: {}, ...init }),
      ),
    leaveStage: async (id, o) => {
      await send(true, o, (init) => api.POST('/v1/sessions/{id}/stage/leave', { params: path(id), body: {}, ...init }));
    },
    setParticipantRole: (id, userId, role, o) =>
      send(true, o, (init) =>
        api.PUT('/v1/sessions/{id}/participants/{userId}/role', { params: user(id, userId), body: { role }, ...init }),
      ),
    listParticipants: async (id, o) =>
      (await send(true, o, (init) => api.GET('/v1/sessions/{id}/participants', { params: path(id), ...init }))).participants,
    muteParticipant: (id, userId, kind, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/participants/{userId}/mute', { params: user(id, userId), body: { kind }, ...init }),
      ),
    kickParticipant: async (id, userId, input = {}, o) => {
      await send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/participants/{userId}/kick', { params: user(id, userId), body: input, ...init }),
      );
    },
    banParticipant: (id, input, o) =>
      send(true, o, (init) => api.POST('/v1/sessions/{id}/bans', { params: path(id), body: input, ...init })),
    listBans: async (id, o) => (await send(true, o, (init) => api.GET('/v1/sessions/{id}/bans', { params: path(id), ...init }))).bans,
    unbanParticipant: async (id, userId, o) => {
      await send(true, o, (init) => api.DELETE('/v1/sessions/{id}/bans/{userId}', { params: user(id, userId), ...init }));
    },
    createIngest: (id, o) => send(true, o, (init) => api.POST('/v1/sessions/{id}/ingest', { params: path(id), body: {}, ...init })),
    rotateIngestKey: (id, o) =>
      send(true, o, (init) => api.POST('/v1/sessions/{id}/ingest/rotate', { params: path(id), body: {}, ...init })),
    deleteIngest: async (id, o) => {
      await send(true, o, (init) => api.DELETE('/v1/sessions/{id}/ingest', { params: path(id), ...init }));
    },
    startRecording: (id, o) => send(true, o, (init) => api.POST('/v1/sessions/{id}/recordings', { params: path(id), body: {}, ...init })),
    stopRecording: (id, recordingId, o) =>
      send(true, o, (init) =>
        api.POST('/v1/sessions/{id}/recordings/{recordingId}/stop', { params: { path: { id, recordingId } }, body: {}, ...init }),
      ),
    listRecordings: async (id, o) =>
      (await send(true, o, (init) => api.GET('/v1/sessions/{id}/recordings', { params: path(id), ...init }))).items,
    listReplays: async (query = {}, o) => (await send(true, o, (init) => api.GET('/v1/recordings', { params: { query }, ...init }))).items,
    getRecordingPlayback: (recordingId, o) =>
      send(true, o, (init) => api.GET('/v1/recordings/{id}/playback', { params: path(recordingId), ...init })),
    getRecordingChat: (recordingId, o) =>
      send(true, o, (init) => api.GET('/v1/recordings/{id}/chat', { params: path(recordingId), ...init })),
    updateRecording: (recordingId, input, o) =>
      send(true, o, (init) => api.PATCH('/v1/recordings/{id}', { params: path(recordingId), body: input, ...init })),
    deleteRecording: async (recordingId, o) => {
      await send(true, o, (init) => api.DELETE('/v1/recordings/{id}', { params: path(recordingId), ...init }));
    },
    reportSession: (id, input, o) =>
      send(true, o, (init) => api.POST('/v1/sessions/{id}/reports', { params: path(id), body: input, ...init })),
    listReports: async (query = {}, o) =>
      (await send(true, o, (init) => api.GET('/v1/admin/reports', { params: { query }, ...init }))).reports,
    resolveReport: (reportId, o) =>
      send(true, o, (init) => api.POST('/v1/admin/reports/{reportId}/resolve', { params: { path: { reportId } }, ...init })),
    getSessionStats: (id, o) => send(true, o, (init) => api.GET('/v1/sessions/{id}/stats', { params: path(id), ...init })),
    getPlatformStats: (query = {}, o) => send(true, o, (init) => api.GET('/v1/admin/stats', { params: { query }, ...init })),
    sendTelemetry: async (id, report, o) => {
      await send(true, o, (init) => api.POST('/v1/sessions/{id}/telemetry', { params: path(id), body: report, ...init }));
    },
    realtime: (realtimeOptions = {}) =>
      new GoliveRealtime({
        baseUrl: options.baseUrl,
        ...realtimeOptions,
        ...(options.apiKey === undefined ? { token: options.token } : { apiKey: options.apiKey, user: options.actAs?.userId }),
      }),
    actingAs: (user) => createGoliveClient({ ...options, actAs: user }),
  };
}
