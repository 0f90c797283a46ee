/**
 * The golive realtime protocol (Socket.IO, path /v1/realtime, WebSocket transport), as the SDK
 * ships it: everything here comes from the contract (src/contract), which the server validates
 * with; docs/realtime.md's tables are generated from the same schemas.
 */
export * from '../contract/index.ts';
