// P4's webhook stream: realistic participant timelines over several sessions, the LiveKit
// deliveries they produce (signed as livekit-server signs them), with a fraction delivered twice
// and the order shuffled within a window, and the true counts computed from the timelines by the
// suite's own oracle (trueCounts in server/test/webhook-fixtures.ts), so bench and tests agree on
// what golive must report.
import {
  ParticipantInfo,
  ParticipantInfo_State,
  ParticipantPermission,
  Room,
  WebhookEvent,
  type WebhookEventNames,
} from 'livekit-server-sdk';
import { type Connection, livekitId, seededRandom, signWebhook, trueCounts } from '../../server/test/webhook-fixtures.ts';

export type StreamOptions = {
  sessionIds: string[];
  /** Join/leave edges per session; one edge per second of the timeline (see generateSession). */
  edgesPerSession: number;
  /** Share of deliveries sent a second time, as LiveKit's retries do. */
  duplicateShare: number;
  /** Each delivery may move up to this many places from its place in time order. */
  shuffleWindow: number;
  seed: number;
  apiKey: string;
  apiSecret: string;
};

export type Delivery = { body: string; authorization: string };
export type Truth = { sessionId: string; viewerCount: number; peakViewers: number };
export type Stream = { deliveries: Delivery[]; truth: Truth[]; events: number; duplicates: number };

/**
 * One session's connections. Every second of the timeline holds exactly one edge (a join at some
 * millisecond of it, or a leave, which LiveKit stamps to the second), so the true peak does not
 * depend on where within its second a leave really happened. A host stays throughout; a hidden
 * observer and a hidden viewer come and go (never counted); viewers join, leave and come back
 * under a new sid; a few connections abort before becoming active.
 */
function generateSession(random: () => number, startSec: number, edges: number): Connection[] {
  const connections: Connection[] = [];
  const present: Connection[] = [];
  let viewerNames = 0;
  const returning: string[] = [];
  const at = (second: number) => (startSec + second) * 1000 + Math.floor(random() * 1000);
  connections.push({ sid: livekitId('PA'), identity: 'host', role: 'host', hidden: false, joinedAtMs: at(0), leftAtSec: null });
  for (let second = 1; second < edges; second++) {
    const roll = random();
    // A crowd that grows, then thins out: joins are likelier in the first half.
    const joinChance = second < edges / 2 ? 0.7 : 0.35;
    if (roll < 0.03) {
      connections.push({
        sid: livekitId('PA'),
        identity: `flaky-${second}`,
        role: 'viewer',
        hidden: false,
        joinedAtMs: null,
        leftAtSec: startSec + second,
      });
    } else if (present.length === 0 || roll < joinChance) {
      const special = random();
      const identity = returning.length > 0 && random() < 0.3 ? (returning.pop() as string) : `viewer-${viewerNames++}`;
      const connection: Connection =
        special < 0.03
          ? { sid: livekitId('PA'), identity: `admin-${second}`, role: 'observer', hidden: true, joinedAtMs: at(second), leftAtSec: null }
          : special < 0.05
            ? { sid: livekitId('PA'), identity, role: 'viewer', hidden: true, joinedAtMs: at(second), leftAtSec: null }
            : { sid: livekitId('PA'), identity, role: 'viewer', hidden: false, joinedAtMs: at(second), leftAtSec: null };
      connections.push(connection);
      present.push(connection);
    } else {
      const [leaving] = present.splice(Math.floor(random() * present.length), 1);
      if (!leaving) continue;
      leaving.leftAtSec = startSec + second;
      if (leaving.role === 'viewer') returning.push(leaving.identity);
    }
  }
  return connections;
}

function eventsOf(sessionId: string, roomSid: string, c: Connection): { atMs: number; event: WebhookEvent }[] {
  const room = new Room({ sid: roomSid, name: sessionId, emptyTimeout: 300 });
  const info = (state: ParticipantInfo_State) =>
    new ParticipantInfo({
      sid: c.sid,
      identity: c.identity,
      name: c.identity,
      state,
      joinedAt: BigInt(Math.floor((c.joinedAtMs ?? 0) / 1000)),
      joinedAtMs: BigInt(c.joinedAtMs ?? 0),
      permission: new ParticipantPermission({ canSubscribe: true, canPublish: c.role === 'host', hidden: c.hidden }),
      attributes: c.role ? { 'golive.role': c.role } : {},
    });
  // livekit-server-sdk's WebhookEvent resets `event` after the protobuf constructor, so it is set afterwards.
  const make = (name: WebhookEventNames, createdAtSec: number, state: ParticipantInfo_State) => {
    const event = new WebhookEvent({ id: livekitId('EV'), createdAt: BigInt(createdAtSec), room, participant: info(state) });
    event.event = name;
    return event;
  };
  const out: { atMs: number; event: WebhookEvent }[] = [];
  if (c.joinedAtMs !== null) {
    out.push({ atMs: c.joinedAtMs, event: make('participant_joined', Math.floor(c.joinedAtMs / 1000), ParticipantInfo_State.ACTIVE) });
  }
  if (c.leftAtSec !== null) {
    const name = c.joinedAtMs === null ? 'participant_connection_aborted' : 'participant_left';
    out.push({ atMs: c.leftAtSec * 1000, event: make(name, c.leftAtSec, ParticipantInfo_State.DISCONNECTED) });
  }
  return out;
}

export async function generateStream(options: StreamOptions): Promise<Stream> {
  const random = seededRandom(options.seed);
  // Timelines end a few seconds ago, in LiveKit's clock (seconds since the epoch).
  const startSec = Math.floor(Date.now() / 1000) - options.edgesPerSession - 5;
  const truth: Truth[] = [];
  const timed: { atMs: number; event: WebhookEvent }[] = [];
  for (const sessionId of options.sessionIds) {
    const connections = generateSession(random, startSec, options.edgesPerSession);
    truth.push({ sessionId, ...trueCounts(connections) });
    const roomSid = livekitId('RM');
    for (const c of connections) timed.push(...eventsOf(sessionId, roomSid, c));
  }
  timed.sort((a, b) => a.atMs - b.atMs);
  const bodies = timed.map((t) => t.event.toJsonString());
  // Retries arrive later than the first attempt, within the window.
  const order: { index: number; key: number }[] = bodies.map((_, index) => ({ index, key: index + random() * options.shuffleWindow }));
  let duplicates = 0;
  for (let index = 0; index < bodies.length; index++) {
    if (random() < options.duplicateShare) {
      order.push({ index, key: index + 1 + random() * options.shuffleWindow });
      duplicates++;
    }
  }
  order.sort((a, b) => a.key - b.key);
  const key = { apiKey: options.apiKey, apiSecret: options.apiSecret };
  const signed = await Promise.all(bodies.map((body) => signWebhook(body, key, 600)));
  return {
    deliveries: order.map(({ index }) => ({ body: bodies[index] as string, authorization: signed[index] as string })),
    truth,
    events: bodies.length,
    duplicates,
  };
}
