import createError, { type FastifyErrorConstructor } from '@fastify/error';

/**
 * Every error golive returns comes from here. `code` is the stable contract (clients and tests
 * switch on it); the message is for humans and says what to fix.
 */
const define = (code: string, status: number, message = '%s'): FastifyErrorConstructor => createError(code, message, status);

export const Errors = {
  validationFailed: define('VALIDATION_FAILED', 400),
  invalidJson: define('INVALID_JSON', 400, 'the request body is not valid JSON: %s'),
  unsupportedMediaType: define('UNSUPPORTED_MEDIA_TYPE', 415, 'send the body as application/json'),
  bodyTooLarge: define('BODY_TOO_LARGE', 413, 'the request body is larger than %s bytes'),
  userRequired: define('USER_REQUIRED', 400, 'this action needs a user: send X-Golive-User with the API key'),
  messageEmpty: define('MESSAGE_EMPTY', 400, 'the message is empty after trimming: send 1 to 500 characters'),
  messageTooLong: define('MESSAGE_TOO_LONG', 400, 'the message has %s characters: send at most 500'),
  reactionUnknown: define('REACTION_UNKNOWN', 400, '%s is not one of the reactions: %s'),
  notSubscribed: define('NOT_SUBSCRIBED', 400, 'subscribe to session %s before sending to it'),
  whipOfferRejected: define('WHIP_OFFER_REJECTED', 400, 'LiveKit refused the WHIP request: %s'),
  webhookUrlRefused: define('WEBHOOK_URL_REFUSED', 400, 'the webhook URL is refused: %s'),
  replayTooLarge: define('REPLAY_TOO_LARGE', 400, 'the replay has %s events, more than %s: narrow since/until or eventTypes'),
  replayRangeInvalid: define('REPLAY_RANGE_INVALID', 400, '%s'),

  unauthenticated: define('UNAUTHENTICATED', 401, 'send Authorization: Bearer <token>'),
  invalidToken: define('INVALID_TOKEN', 401, 'the bearer token was rejected: %s'),
  invalidApiKey: define('INVALID_API_KEY', 401, 'the API key is not one of GOLIVE_API_KEYS'),
  webhookSignatureInvalid: define('WEBHOOK_SIGNATURE_INVALID', 401, 'the LiveKit webhook signature is missing or wrong: %s'),
  invalidStreamKey: define(
    'INVALID_STREAM_KEY',
    401,
    'the stream key is wrong, was rotated out, or belongs to an ended session: copy the current key from Go Live',
  ),

  // One code per refusal reason the policy (server/src/policy/policy.ts) gives, so clients can tell them apart.
  notHost: define('NOT_HOST', 403),
  notModerator: define('NOT_MODERATOR', 403, 'only the host, a co-host or an admin can do this'),
  notAdmin: define('NOT_ADMIN', 403, 'only admins can %s'),
  cannotTargetCohost: define('CANNOT_TARGET_COHOST', 403, 'only the host or an admin can mute, kick or ban a co-host'),
  hostCannotLeave: define('HOST_CANNOT_LEAVE', 403, 'the host cannot step down from the stage: end the session instead'),
  recordingPrivate: define('RECORDING_PRIVATE', 403, '%s'),
  sessionForbidden: define('SESSION_FORBIDDEN', 403, 'you are not allowed in this session'),
  banned: define('BANNED', 403, 'you are banned from this session%s'),
  sessionFull: define('SESSION_FULL', 403, 'this session has reached its %s participants'),
  guestsNotAllowed: define('GUESTS_NOT_ALLOWED', 403, 'this session does not take guests on stage'),
  cannotTargetHost: define('CANNOT_TARGET_HOST', 403, '%s'),
  chatDisabled: define('CHAT_DISABLED', 403, 'chat is turned off in this session'),
  reactionsDisabled: define('REACTIONS_DISABLED', 403, 'reactions are turned off in this session'),
  signedUrlRequired: define(
    'SIGNED_URL_REQUIRED',
    403,
    'stored files are served only through a signed URL: ask the API for a playback URL',
  ),
  signedUrlInvalid: define('SIGNED_URL_INVALID', 403, 'the URL signature does not match this file: ask the API for a new playback URL'),
  signedUrlExpired: define('SIGNED_URL_EXPIRED', 403, 'this URL expired at %s: ask the API for a new playback URL'),

  routeNotFound: define('ROUTE_NOT_FOUND', 404, 'no route %s %s'),
  sessionNotFound: define('SESSION_NOT_FOUND', 404, 'no session %s'),
  messageNotFound: define('MESSAGE_NOT_FOUND', 404, 'no message %s in this session'),
  requestNotFound: define('REQUEST_NOT_FOUND', 404, 'no stage request or invite %s in this session'),
  participantNotConnected: define('PARTICIPANT_NOT_CONNECTED', 404, '%s is not connected to this session'),
  trackNotFound: define('TRACK_NOT_FOUND', 404, '%s has no published %s track'),
  reportNotFound: define('REPORT_NOT_FOUND', 404, 'no report %s'),
  banNotFound: define('BAN_NOT_FOUND', 404, '%s is not banned from this session'),
  storedFileNotFound: define('STORED_FILE_NOT_FOUND', 404, 'no stored file %s'),
  recordingNotFound: define('RECORDING_NOT_FOUND', 404, 'no recording %s'),
  ingestNotFound: define('INGEST_NOT_FOUND', 404, 'session %s has no ingest: create one with POST /v1/sessions/{id}/ingest'),
  whipResourceNotFound: define('WHIP_RESOURCE_NOT_FOUND', 404, 'no WHIP session %s: it has ended or was never created'),
  webhookEndpointNotFound: define('WEBHOOK_ENDPOINT_NOT_FOUND', 404, 'no webhook endpoint %s'),
  webhookDeliveryNotFound: define(
    'WEBHOOK_DELIVERY_NOT_FOUND',
    404,
    'no webhook delivery %s (deliveries are kept for the retention period)',
  ),

  hostAlreadyLive: define('HOST_ALREADY_LIVE', 409, 'you already have a live session (%s): end it before starting another'),
  externalRefLive: define('EXTERNAL_REF_LIVE', 409, 'a session for externalRef %s is already live (%s)'),
  stageFull: define('STAGE_FULL', 409, 'the stage already has its %s guests'),
  alreadyOnStage: define('ALREADY_ON_STAGE', 409, 'you are already on stage as %s'),
  requestPending: define('REQUEST_PENDING', 409, 'there is already a pending stage request or invite for %s'),
  requestNotPending: define('REQUEST_NOT_PENDING', 409, 'this stage request is %s, not pending'),
  notOnStage: define('NOT_ON_STAGE', 409, '%s'),
  recordingRunning: define('RECORDING_RUNNING', 409, 'recording %s is already running on this instance'),
  recordingInProgress: define(
    'RECORDING_IN_PROGRESS',
    409,
    'session %s is already being recorded (recording %s): stop it first (POST /v1/sessions/{id}/recordings/{recordingId}/stop)',
  ),
  recordingNotRecording: define('RECORDING_NOT_RECORDING', 409, 'recording %s is %s, not recording: there is nothing to stop'),
  recordingNotReady: define('RECORDING_NOT_READY', 409, 'recording %s is %s: it can be played once it is ready'),
  recordingBusy: define('RECORDING_BUSY', 409, 'recording %s is %s: stop it and wait until it is ready or failed, then delete it'),
  recordingEmpty: define('RECORDING_EMPTY', 409, 'recording %s has no written segments to finalize'),
  ingestExists: define(
    'INGEST_EXISTS',
    409,
    'session %s already has an ingest: its key is shown only once, so rotate it (POST /v1/sessions/{id}/ingest/rotate) for a new one, or delete the ingest',
  ),
  webhookEndpointFromEnv: define(
    'WEBHOOK_ENDPOINT_FROM_ENV',
    409,
    'endpoint %s comes from GOLIVE_WEBHOOK_URL: change it there (only enabling or disabling it works here)',
  ),
  webhookEndpointDisabled: define('WEBHOOK_ENDPOINT_DISABLED', 409, 'endpoint %s is disabled (%s): enable it first (PATCH enabled: true)'),
  sessionEnded: define('SESSION_ENDED', 410, 'session %s has ended'),
  whipContentType: define('WHIP_CONTENT_TYPE', 415, 'send the %s with Content-Type: %s'),
  whipIfMatchRequired: define(
    'WHIP_IF_MATCH_REQUIRED',
    428,
    'send If-Match with the ETag from the WHIP answer (trickle ICE), or If-Match: * for an ICE restart',
  ),
  requestExpired: define('REQUEST_EXPIRED', 410, 'this stage request expired at %s'),

  startCooldown: define('START_COOLDOWN', 429, 'wait %s more seconds before starting another session'),
  rateLimited: define('RATE_LIMITED', 429, 'too many requests: retry in %s'),
  slowMode: define('SLOW_MODE', 429, 'slow mode is on: wait %s seconds between messages'),

  internal: define('INTERNAL', 500, 'internal error'),
  livekitUnavailable: define('LIVEKIT_UNAVAILABLE', 503, 'LiveKit did not answer: %s'),
  authUnavailable: define('AUTH_UNAVAILABLE', 503, 'user tokens cannot be verified right now: %s'),
  notReady: define('NOT_READY', 503, '%s'),
  recorderCapacity: define(
    'RECORDER_CAPACITY',
    503,
    'this instance already runs %s recordings (RECORDING_MAX_CONCURRENT): stop one, or raise the cap if the CPU allows',
  ),
  recorderFailed: define('RECORDER_FAILED', 500, 'the recorder failed: %s'),
  storageUnavailable: define('STORAGE_UNAVAILABLE', 503, 'recording storage did not answer: %s'),
  ingestLimitReached: define(
    'INGEST_LIMIT_REACHED',
    503,
    'this golive instance already relays %s RTMP ingests, its limit: try again later, or stream over WHIP',
  ),
} as const;

/** Body of every error response. */
export type ErrorBody = {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  requestId?: string;
  details?: unknown;
};
