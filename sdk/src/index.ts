// @golive/sdk: a typed client for golive's HTTP API, for browsers and Node (it only needs fetch).
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
export { GoliveRealtime, type RealtimeOptions, RealtimeRequestError, SessionSubscription } from './realtime/realtime-client.ts';
export type { SubscriptionEvents } from './realtime/session-subscription.ts';
export type * from './types.ts';
export * from './webhooks.ts';
