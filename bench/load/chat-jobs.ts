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
