// @golive/sdk: a typed client for golive's HTTP and realtime APIs, and a framework-free session
// store on top; for browsers, Node and React Native (it needs fetch and WebSocket, no DOM).
export {
  type ActAs,
  createGoliveClient,
  type GoliveClient,
  type GoliveClientOptions,
  type RequestOptions,
  type TokenSource,
} from './client.ts';
export { type ClientErrorCode, GoliveError, type GoliveErrorCode, type GoliveErrorInit, isGoliveError } from './errors.ts';
export { ERROR_STATUS, type ErrorCode } from './generated/error-codes.ts';
export type { components, operations, paths } from './generated/openapi.ts';
export type * from './realtime/protocol.ts';
export { REALTIME_PATH } from './realtime/protocol.ts';
export { type ConnectionState, GoliveRealtime, type RealtimeOptions, RealtimeRequestError } from './realtime/realtime-client.ts';
export { SessionSubscription, type SubscriptionEvents } from './realtime/session-subscription.ts';
export { SessionsFeed, type SessionsFeedEvents } from './realtime/sessions-feed.ts';
export {
  type ChatReplay,
  nextChangeAfter,
  type PinState,
  prepareReplay,
  type ReplayChatInput,
  type ReplayLine,
  type ReplayOptions,
  type ReplayView,
  replayAt,
} from './replay/replay-chat.ts';
export {
  applyChatSnapshot,
  applyLiveMessage,
  type ChatSnapshot,
  type ChatStep,
  type ChatTimeline,
  EMPTY_TIMELINE,
  hasGap,
  removeMessages,
} from './store/chat-timeline.ts';
export { NO_PERMISSIONS } from './store/permissions.ts';
export {
  initialSnapshot,
  type ParticipantEntry,
  type PresenceEntry,
  reduceSession,
  type SessionPhase,
  type SessionSnapshot,
  type SessionStoreEvent,
  type StoreError,
} from './store/session-state.ts';
export { SessionStore, type SessionStoreOptions, toStoreError } from './store/session-store.ts';
export {
  type ConnectionPhase,
  MediaTelemetry,
  type MediaTelemetryOptions,
  type TelemetryStatsSource,
} from './telemetry/media-telemetry.ts';
export type { RtcStat, RtcStatsReport } from './telemetry/rtc-stats.ts';
export type * from './types.ts';
export * from './webhooks.ts';
