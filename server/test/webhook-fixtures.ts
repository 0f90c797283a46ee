// Test fixtures: LiveKit webhook deliveries signed the way livekit-server signs them, and
// realistic participant timelines with their true counts (trueCounts: the one oracle of what
// golive must report, shared by the webhook, counter and stats tests and bench/load/webhook-stream.ts).
import { createHash, randomBytes } from 'node:crypto';
import {
  AccessToken,
  ParticipantInfo,
  ParticipantInfo_State,
  ParticipantPermission,
  Room,
  WebhookEvent,
  type WebhookEventNames,
} from 'livekit-server-sdk';
import type { TestStack } from './harness.ts';

export type SigningKey = { apiKey: string; apiSecret: string };

/**
 * The Authorization header livekit-server sends: a JWT issued by the API key, with the base64
 * SHA-256 of the exact body bytes in its `sha256` claim. A negative ttl gives an expired token.
 */
export async function signWebhook(rawBody: string, key: SigningKey, ttlSec = 300): Promise<string> {
  const token = new AccessToken(key.apiKey, key.apiSecret, { ttl: ttlSec });
  token.sha256 = createHash('sha256').update(rawBody).digest('base64');
  return token.toJwt();
}

export type Delivery = { status: number; body: { result?: string; code?: string } };

/** Posts a raw body to golive's webhook route, as livekit-server does (no "Bearer"). */
export async function postWebhook(stack: TestStack, rawBody: string, authorization: string | null): Promise<Delivery> {
  const headers: Record<string, string> = { 'content-type': 'application/webhook+json' };
  if (authorization !== null) headers.authorization = authorization;
  const res = await fetch(`${stack.baseUrl}/v1/livekit/webhook`, { method: 'POST', headers, body: rawBody });
  return { status: res.status, body: (await res.json()) as Delivery['body'] };
}

/** Signs with the stack's LiveKit key and posts. */
export async function deliver(stack: TestStack, event: WebhookEvent): Promise<Delivery> {
  const raw = event.toJsonString();
  return postWebhook(stack, raw, await signWebhook(raw, stack.livekitServer.endpoint));
}

/** Ids in LiveKit's shape (EV_…, PA_…, RM_…). */
export function livekitId(prefix: 'EV' | 'PA' | 'RM'): string {
  return `${prefix}_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}`;
}

export type Role = 'host' | 'guest' | 'viewer' | 'observer';

/** One LiveKit participant connection (one sid) in a session's timeline. */
export type Connection = {
  sid: string;
  identity: string;
  role: Role | null;
  hidden: boolean;
  /** LiveKit's joined_at_ms; null for a connection that was aborted before it became active. */
  joinedAtMs: number | null;
  /** LiveKit stamps leaves to the second (WebhookEvent.created_at); null while still connected. */
  leftAtSec: number | null;
};

export function connection(partial: Partial<Connection> & Pick<Connection, 'identity' | 'role'>): Connection {
  return { sid: livekitId('PA'), hidden: false, joinedAtMs: null, leftAtSec: null, ...partial };
}

function participantInfo(c: Connection, state: ParticipantInfo_State): ParticipantInfo {
  const joinedAtMs = c.joinedAtMs ?? (c.leftAtSec ?? 0) * 1000;
  return new ParticipantInfo({
    sid: c.sid,
    identity: c.identity,
    state,
    joinedAt: BigInt(Math.floor(joinedAtMs / 1000)),
    joinedAtMs: BigInt(joinedAtMs),
    permission: new ParticipantPermission({ canSubscribe: true, canPublish: c.role === 'host' || c.role === 'guest', hidden: c.hidden }),
    attributes: c.role ? { 'golive.role': c.role } : {},
  });
}

const rooms = new Map<string, string>();
function room(sessionId: string): Room {
  let sid = rooms.get(sessionId);
  if (!sid) {
    sid = livekitId('RM');
    rooms.set(sessionId, sid);
  }
  return new Room({ sid, name: sessionId, emptyTimeout: 300 });
}

/**
 * livekit-server-sdk's WebhookEvent resets `event` to '' after the protobuf constructor runs
 * (a class field), so the event name is assigned afterwards.
 */
function webhookEvent(name: WebhookEventNames, fields: ConstructorParameters<typeof WebhookEvent>[0]): WebhookEvent {
  const event = new WebhookEvent(fields);
  event.event = name;
  return event;
}

export function joinedEvent(sessionId: string, c: Connection): WebhookEvent {
  if (c.joinedAtMs === null) throw new Error(`connection ${c.sid} never joined`);
  return webhookEvent('participant_joined', {
    id: livekitId('EV'),
    createdAt: BigInt(Math.floor(c.joinedAtMs / 1000)),
    room: room(sessionId),
    participant: participantInfo(c, ParticipantInfo_State.ACTIVE),
  });
}

/** participant_left, or participant_connection_aborted for a connection that never became active. */
export function leftEvent(sessionId: string, c: Connection): WebhookEvent {
  if (c.leftAtSec === null) throw new Error(`connection ${c.sid} never left`);
  return webhookEvent(c.joinedAtMs === null ? 'participant_connection_aborted' : 'participant_left', {
    id: livekitId('EV'),
    createdAt: BigInt(c.leftAtSec),
    room: room(sessionId),
    participant: participantInfo(c, ParticipantInfo_State.DISCONNECTED),
  });
}

export function roomFinishedEvent(sessionId: string): WebhookEvent {
  return webhookEvent('room_finished', {
    id: livekitId('EV'),
    createdAt: BigInt(Math.floor(Date.now() / 1000)),
    room: room(sessionId),
  });
}

/** Every event LiveKit would send for these connections. */
export function timelineEvents(sessionId: string, connections: Connection[]): WebhookEvent[] {
  return connections.flatMap((c) => [
    ...(c.joinedAtMs === null ? [] : [joinedEvent(sessionId, c)]),
    ...(c.leftAtSec === null ? [] : [leftEvent(sessionId, c)]),
  ]);
}

export function isCounted(c: Connection): boolean {
  return c.role === 'viewer' && !c.hidden;
}

/**
 * The true counts, straight from the timeline: viewers connected at the end, most at once (a
 * leave taken at the start of its second; see generateTimeline for why that is unambiguous).
 */
export function trueCounts(connections: Connection[]): { viewerCount: number; peakViewers: number } {
  const viewers = connections.filter((c) => isCounted(c) && c.joinedAtMs !== null);
  const edges = viewers.flatMap((c) => [
    { at: c.joinedAtMs ?? 0, delta: 1 },
    ...(c.leftAtSec === null ? [] : [{ at: c.leftAtSec * 1000, delta: -1 }]),
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let peak = 0;
  for (const edge of edges) {
    now += edge.delta;
    peak = Math.max(peak, now);
  }
  return { viewerCount: viewers.filter((c) => c.leftAtSec === null).length, peakViewers: peak };
}

/** mulberry32: a small seeded PRNG, so a failing shuffle can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A session's realistic connection timeline over several minutes: a host throughout, a hidden
 * admin and a guest who come and go, viewers who join at millisecond times and leave in whole
 * seconds (some reconnect under a new sid, some stay), and one aborted connection. No leave
 * shares its second with a join or another leave, so the true peak is the same wherever in its
 * second each leave really happened: LiveKit reports no finer than that.
 */
export function generateTimeline(random: () => number, startMs: number, viewers = 12): Connection[] {
  const joinSecs = new Set<number>();
  const leaveSecs = new Set<number>();
  const joinAt = (fromMs: number, spanMs: number) => {
    for (;;) {
      const ms = Math.floor(fromMs + random() * spanMs);
      if (!leaveSecs.has(Math.floor(ms / 1000))) {
        joinSecs.add(Math.floor(ms / 1000));
        return ms;
      }
    }
  };
  const leaveAt = (afterMs: number, spanSec: number) => {
    for (;;) {
      const sec = Math.floor(afterMs / 1000) + 1 + Math.floor(random() * spanSec);
      if (!leaveSecs.has(sec) && !joinSecs.has(sec)) {
        leaveSecs.add(sec);
        return sec;
      }
    }
  };
  const timeline: Connection[] = [connection({ identity: 'host', role: 'host', joinedAtMs: joinAt(startMs, 900) })];
  const adminJoin = joinAt(startMs + 10_000, 60_000);
  timeline.push(
    connection({ identity: 'admin', role: 'observer', hidden: true, joinedAtMs: adminJoin, leftAtSec: leaveAt(adminJoin, 120) }),
  );
  const guestJoin = joinAt(startMs + 30_000, 60_000);
  timeline.push(connection({ identity: 'guest', role: 'guest', joinedAtMs: guestJoin, leftAtSec: leaveAt(guestJoin, 90) }));
  for (let v = 0; v < viewers; v++) {
    let from = startMs + 2_000;
    const sessions = 1 + Math.floor(random() * 3);
    for (let s = 0; s < sessions; s++) {
      const joined = joinAt(from, 60_000);
      const stays = s === sessions - 1 && random() < 0.4;
      const left = stays ? null : leaveAt(joined, 90);
      timeline.push(connection({ identity: `viewer-${v}`, role: 'viewer', joinedAtMs: joined, leftAtSec: left }));
      if (left === null) break;
      from = left * 1000 + 1_000;
    }
  }
  timeline.push(connection({ identity: 'flaky', role: 'viewer', joinedAtMs: null, leftAtSec: leaveAt(startMs + 20_000, 200) }));
  return timeline;
}

/** The events in a random order, about a third of them delivered twice (as LiveKit retries do). */
export function shuffleWithDuplicates<T>(random: () => number, items: T[]): T[] {
  const out = [...items, ...items.filter(() => random() < 0.35)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
