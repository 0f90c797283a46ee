/** The jobs of the P3 chat client children (bench/load/chat-clients.ts); sent over IPC by the chat scenario. */

/** golive's realtime endpoint (Socket.IO, one subscribed session) or the bare `ws` broadcast server. */
export type ChatTarget = { kind: 'golive'; url: string; sessionId: string } | { kind: 'ws'; url: string };

/** Opens one connection per token (golive: connect, then session.subscribe and wait for its ack). */
export type ConnectJob = { target: ChatTarget; tokens: string[]; concurrency: number };
export type ConnectResult = { connected: number; failed: number; errors: string[]; seconds: number; open: number };

/**
 * Sends `count` chat messages at `ratePerSec`, evenly spaced, on this child's first connection of
 * that kind. Each text carries the tag and the send time (CLOCK_MONOTONIC, shared by every process
 * on the machine), so receivers in other processes time the delivery.
 */
export type SendJob = { kind: ChatTarget['kind']; sessionId?: string; tag: string; ratePerSec: number; count: number; textChars: number };
export type SendResult = {
  sent: number;
  /** golive: acknowledged with ok; ws: sent (there is no ack). */
  accepted: number;
  errors: string[];
  firstSendNs: string;
  lastSendNs: string;
  /** golive only: chat.send → ack, in ms. */
  ackLatenciesMs: number[];
};

/** Waits until every connection of that kind has received `expectedPerConnection` messages of the tag, or the timeout. */
export type CollectJob = { kind: ChatTarget['kind']; tag: string; expectedPerConnection: number; timeoutMs: number };
export type CollectResult = {
  connections: number;
  received: number;
  expected: number;
  /** Send → receive of every delivery, in ms. */
  latenciesMs: number[];
  lastReceiveNs: string;
  /** Connections that closed since the previous collect without being asked to, with the reason. */
  dropped: string[];
};

/** Closes connections of that kind until `keep` are left in this child. */
export type DisconnectJob = { kind: ChatTarget['kind']; keep: number };

// ---- the seeds' 100+ sessions (session-chat-clients.ts) ----

/** Realtime connections for many sessions: each token connects and subscribes to its session. */
export type SessionsConnectJob = { url: string; sessions: { sessionId: string; tokens: string[] }[]; concurrency: number };
export type SessionsConnected = {
  connected: number;
  failed: number;
  errors: string[];
  /** Connect + session.subscribe acknowledged, per connection, in ms. */
  subscribeMs: number[];
};

/** Every session sends `ratePerSec` messages, its members taking turns, sessions staggered evenly. */
export type SessionsChatJob = { ratePerSec: number; textChars: number };

/** What happened since the previous window (or since the chat started). */
export type SessionsChatWindow = {
  sent: number;
  /** Acknowledged with ok. */
  accepted: number;
  errors: string[];
  /** chat.send → ack, ms. */
  ackMs: number[];
  /** chat.send → chat.message at each member of the session (the sender included), ms. */
  deliveryMs: number[];
  /** Deliveries owed by the messages sent in the window: each to every member of its session. */
  expectedDeliveries: number;
  /** Connections that closed without being asked to. */
  dropped: string[];
};
