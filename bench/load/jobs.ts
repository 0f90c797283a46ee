/** The jobs the load generator child runs; sent over IPC by the scenarios. */

/** Keep-alive connections hammering one route for a fixed time, each request with the next bearer token. */
export type ThroughputJob = {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  durationSec: number;
  bearerTokens: string[];
};

/**
 * Open-loop load: requests are due at a fixed rate, evenly spaced, whatever the server does,
 * over at most `connections` keep-alive connections. Latency runs from when a request was due,
 * so waiting for a free connection counts (no coordinated omission).
 */
export type PacedJob = ThroughputJob & { ratePerSec: number };

/** A fixed list of requests, sent `concurrency` at a time (closed loop); every one is timed. */
export type RequestsJob = {
  concurrency: number;
  requests: Array<{ method: string; url: string; headers: Record<string, string>; body?: string }>;
  /** Return response bodies (e.g. to clean up what the requests created). */
  keepBodies?: boolean;
};

/** LiveKit RoomService.CreateRoom calls straight from this process, `concurrency` at a time. */
export type CreateRoomsJob = {
  concurrency: number;
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
  rooms: Array<{ name: string; emptyTimeout: number; departureTimeout: number; metadata: string }>;
};

export type LoadResult = {
  /** Every completed request's latency, in milliseconds. */
  latenciesMs: number[];
  /** Responses by HTTP status ("error" for transport errors). */
  statuses: Record<string, number>;
  /** Successful (2xx) responses. */
  ok: number;
  wallSec: number;
  bodies?: string[];
};
