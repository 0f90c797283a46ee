// Which authorization matrix covers each operation of /openapi.json: one domain per operation.
// authz/coverage in app.unit.test.ts fails when the document has an operation no domain lists
// (and no reason below), so a new route cannot ship without its matrix rows.
export const DOMAINS = {
  sessions: [
    'createSession',
    'getSession',
    'joinSession',
    'endSession',
    'listSessionEvents',
    'getSessionByExternalRef',
    'listSessions',
    'devLogin',
    'receiveLivekitWebhook',
  ],
  stage: [
    'listParticipants',
    'listStageRequests',
    'requestStage',
    'cancelStageRequest',
    'approveStageRequest',
    'rejectStageRequest',
    'inviteToStage',
    'acceptStageInvite',
    'declineStageInvite',
    'leaveStage',
    'setParticipantRole',
  ],
  moderation: ['muteParticipant', 'kickParticipant', 'banParticipant', 'listBans', 'unbanParticipant', 'updateSessionSettings'],
  chat: ['listMessages', 'deleteMessage', 'pinMessage', 'unpinMessage'],
  reports: ['reportSession', 'listReports', 'resolveReport'],
} as const;

export type Domain = keyof typeof DOMAINS;
export type DomainOperation<D extends Domain> = (typeof DOMAINS)[D][number];

/** Operations whose access is tested by their own feature's tests, not (yet) by a matrix here. */
export const NOT_IN_A_MATRIX: Record<string, string> = {
  getMe: 'src/me/me.unit.test.ts: any signed-in caller, itself',
  getSessionStats: 'src/stats/stats.test.ts',
  getPlatformStats: 'src/stats/stats.test.ts',
  sendTelemetry: 'src/telemetry/telemetry.test.ts',
  createIngest: 'src/ingest/ingest.test.ts',
  deleteIngest: 'src/ingest/ingest.test.ts',
  rotateIngestKey: 'src/ingest/ingest.test.ts',
  publishWhip: 'the stream key is the credential (e2e/ingest-whip.test.ts)',
  patchWhip: 'the stream key is the credential (e2e/ingest-whip.test.ts)',
  stopWhip: 'the stream key is the credential (e2e/ingest-whip.test.ts)',
  startRecording: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  stopRecording: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  listRecordings: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  listReplays: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  getRecordingPlayback: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  getRecordingChat: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  updateRecording: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  deleteRecording: 'test/recordings-api.test.ts (host, admin, allowlisted requester, stranger)',
  createWebhookEndpoint: 'src/webhooks-out/webhooks-admin.test.ts',
  listWebhookEndpoints: 'src/webhooks-out/webhooks-admin.test.ts',
  updateWebhookEndpoint: 'src/webhooks-out/webhooks-admin.test.ts',
  deleteWebhookEndpoint: 'src/webhooks-out/webhooks-admin.test.ts',
  rotateWebhookSecret: 'src/webhooks-out/webhooks-admin.test.ts',
  replayWebhookEvents: 'src/webhooks-out/webhooks-admin.test.ts',
  listWebhookDeliveries: 'src/webhooks-out/webhooks-admin.test.ts',
  retryWebhookDelivery: 'src/webhooks-out/webhooks-admin.test.ts',
};
