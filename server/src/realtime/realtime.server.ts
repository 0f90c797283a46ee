import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { Authenticator } from '../auth/authenticator.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import type { ChatService } from '../chat/chat.service.ts';
import {
  type Ack,
  type ClientMessageName,
  type ClientToServerEvents,
  REALTIME_ERROR_CODES,
  REALTIME_PATH,
  type RealtimeError,
  type RealtimeErrorCode,
  type RequestOf,
  type ResultOf,
  type ServerToClientEvents,
  type SubscribeRequest,
} from '../contract.ts';
import { Errors } from '../errors.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { authorize, decide } from '../policy/policy.ts';
import type { ReactionsService } from '../reactions/reactions.service.ts';
import type { RecordingsService } from '../recordings/recordings.service.ts';
import type { FactsCache } from '../work/facts-cache.ts';
import type { SessionFacts } from '../work/session-facts.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { forgetHandshakeDetails, LEAN_ENGINE_OPTIONS, releaseUpgradeRequests } from './lean-sockets.ts';
import { type LocalSockets, PermissionsPush, type SubscriptionState, standingAnswer } from './permissions-push.ts';
import { requestValidator } from './realtime.schemas.ts';
import {
  ADMIN_LOBBY_ROOM,
  ingestRoom,
  LOBBY_ROOM,
  moderatorsRoom,
  type SessionBroadcaster,
  sessionRoom,
  userRoom,
} from './session-broadcaster.ts';

type SocketData = { principal: UserPrincipal; subscriptions: Map<string, SubscriptionState> };
type GoliveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export type RealtimeDeps = {
  authenticator: Authenticator;
  work: UnitOfWork;
  /** Its invalidations drive the per-user `session.permissions` push. */
  factsCache: FactsCache;
  chat: ChatService;
  reactions: ReactionsService;
  broadcaster: SessionBroadcaster;
  /** The ingest's state, for the host and admins. */
  ingest: Pick<IngestService, 'statusOf'>;
  /** The recording in progress, for everyone's subscribe answer (consent). */
  recordings: Pick<RecordingsService, 'inProgress'>;
  redis: Redis | null;
  logger: Logger;
  corsOrigins: string[] | true;
};

/**
 * The authenticated Socket.IO endpoint (path /v1/realtime, WebSocket only). With Redis, rooms
 * span every golive instance through @socket.io/redis-adapter.
 */
export function createRealtimeServer(httpServer: HttpServer, deps: RealtimeDeps): { io: RealtimeServer; close(): Promise<void> } {
  const io: RealtimeServer = new Server(httpServer, { path: REALTIME_PATH, cors: { origin: deps.corsOrigins }, ...LEAN_ENGINE_OPTIONS });
  const releaseUpgradeRequest = releaseUpgradeRequests(io);
  const adapterClients = deps.redis ? [deps.redis.duplicate(), deps.redis.duplicate()] : [];
  const [pub, sub] = adapterClients;
  if (pub && sub) io.adapter(createAdapter(pub, sub));

  io.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as { token?: unknown; apiKey?: unknown; user?: unknown };
      const principal = await deps.authenticator.authenticate({
        authorization: typeof auth.token === 'string' ? `Bearer ${auth.token}` : undefined,
        apiKey: typeof auth.apiKey === 'string' ? auth.apiKey : undefined,
        actAsUser: typeof auth.user === 'string' ? auth.user : undefined,
        actAsName: undefined,
        actAsRole: undefined,
      });
      if (!principal) return next(connectError('UNAUTHENTICATED', 'pass your token in the handshake: io(url, { auth: { token } })'));
      if (principal.kind !== 'user')
        return next(connectError('VALIDATION_FAILED', 'realtime needs a user: pass auth.user with an API key'));
      socket.data.principal = principal;
      socket.data.subscriptions = new Map();
      next();
    } catch (error) {
      const { code, message } = toRealtimeError(error);
      next(connectError(code, message));
    }
  });

  const permissions = new PermissionsPush({
    facts: deps.factsCache,
    sockets: localSockets(io),
    roomOf: sessionRoom,
    logger: deps.logger,
  });
  const unwatch = deps.factsCache.watch((sessionId) => permissions.factsChanged(sessionId));
  // One set of listeners for every socket: EventEmitter calls them with the socket as `this`, so
  // a connection adds no closures of its own.
  const listeners = clientEventListeners(deps, permissions);
  io.on('connection', (socket: GoliveSocket) => {
    releaseUpgradeRequest(socket);
    forgetHandshakeDetails(socket);
    void socket.join(userRoom(socket.data.principal.userId));
    for (const { event, listener } of listeners) socket.on(event, listener);
  });

  deps.broadcaster.attach(io);
  return {
    io,
    async close() {
      unwatch();
      permissions.stop();
      deps.broadcaster.detach();
      await io.close();
      for (const client of adapterClients) client.disconnect();
    },
  };
}

/** This instance's sockets, as the permissions push reads and reaches them. */
function localSockets(io: RealtimeServer): LocalSockets {
  const nsp = io.of('/');
  return {
    inRoom: (room) => nsp.adapter.rooms.get(room) ?? [],
    all: () => nsp.sockets.keys(),
    socket: (id) => nsp.sockets.get(id)?.data,
    emit: (socketIds, payload) => io.local.to(socketIds).emit('session.permissions', payload),
  };
}

async function subscribe(socket: GoliveSocket, deps: RealtimeDeps, permissions: PermissionsPush, req: SubscribeRequest) {
  const principal = socket.data.principal;
  // Not the facts cache: the snapshot carries the pin and the counters as they are now.
  const read = () => deps.work.read(req.sessionId, { subjects: [principal.userId] });
  const roomsFor = (facts: SessionFacts) => {
    const me = authorize(principal, { action: 'session.subscribe' }, facts);
    const rooms = [sessionRoom(req.sessionId)];
    if (me.canModerate) rooms.push(moderatorsRoom(req.sessionId));
    if (decide(principal, { action: 'ingest.manage' }, facts) === null) rooms.push(ingestRoom(req.sessionId));
    return rooms;
  };
  // Authorized before the socket joins anything; joined before the answer is read, so nothing
  // pushed in between is missed (clients dedupe chat by seq and apply state pushes on top).
  const joined = roomsFor(await read());
  await socket.join(joined);
  // Read again: a change that committed between the first read and the join was pushed to the
  // room before this socket was in it. A ban or end in between refuses; a role change moves rooms.
  const facts = await read();
  let rooms: string[];
  try {
    rooms = roomsFor(facts);
  } catch (error) {
    for (const room of joined) await socket.leave(room);
    throw error;
  }
  for (const room of joined) if (!rooms.includes(room)) await socket.leave(room);
  await socket.join(rooms);
  const managesIngest = rooms.includes(ingestRoom(req.sessionId));
  const standing = standingAnswer(principal, facts);
  socket.data.subscriptions.set(req.sessionId, { told: JSON.stringify(standing) });
  permissions.subscribed(req.sessionId, BigInt(facts.row.facts_version));
  const [snapshot, reactionTotals, ingest, recording] = await Promise.all([
    deps.chat.snapshot(req.sessionId, facts.row.pinned_message_id, req.sinceSeq),
    deps.reactions.totals(req.sessionId),
    managesIngest ? deps.ingest.statusOf(req.sessionId) : undefined,
    deps.recordings.inProgress(req.sessionId),
  ]);
  const { row } = facts;
  return {
    session: {
      id: row.id,
      status: row.status,
      settings: facts.settings,
      viewerCount: row.viewer_count,
      peakViewers: row.peak_viewers,
    },
    ...snapshot,
    reactionTotals,
    reactions: deps.reactions.set,
    ...standing,
    ...(ingest === undefined ? {} : { ingest }),
    recording,
  };
}

function assertSubscribed(socket: GoliveSocket, sessionId: string): void {
  // The room check matters: a kick or ban removes the socket from the room on whichever instance holds it.
  if (!socket.data.subscriptions.has(sessionId) || !socket.rooms.has(sessionRoom(sessionId))) throw new Errors.notSubscribed(sessionId);
}

type ClientEventListener = (this: GoliveSocket, payload: unknown, ack: unknown) => Promise<void>;
type ClientEvent = { event: ClientMessageName; listener: ClientEventListener };
type Handler<K extends ClientMessageName> = (socket: GoliveSocket, req: RequestOf<K>) => Promise<ResultOf<K>>;
/** One handler per client message of the contract: the type makes a missing one a compile error. */
export type RealtimeHandlers = { [K in ClientMessageName]: Handler<K> };

export function realtimeHandlers(deps: RealtimeDeps, permissions: PermissionsPush): RealtimeHandlers {
  return {
    'session.subscribe': (socket, req) => subscribe(socket, deps, permissions, req),
    'session.unsubscribe': async (socket, { sessionId }) => {
      socket.data.subscriptions.delete(sessionId);
      await socket.leave(sessionRoom(sessionId));
      await socket.leave(moderatorsRoom(sessionId));
      await socket.leave(ingestRoom(sessionId));
      return {};
    },
    'sessions.watch': async (socket) => {
      await socket.join(socket.data.principal.isAdmin ? ADMIN_LOBBY_ROOM : LOBBY_ROOM);
      return {};
    },
    'sessions.unwatch': async (socket) => {
      await socket.leave(LOBBY_ROOM);
      await socket.leave(ADMIN_LOBBY_ROOM);
      return {};
    },
    'chat.send': async (socket, req) => {
      assertSubscribed(socket, req.sessionId);
      return { message: await deps.chat.send(socket.data.principal, req.sessionId, req.text, req.clientId) };
    },
    'reaction.send': async (socket, req) => {
      assertSubscribed(socket, req.sessionId);
      await deps.reactions.react(socket.data.principal.userId, req.sessionId, req.emoji);
      return {};
    },
  };
}

function clientEventListeners(deps: RealtimeDeps, permissions: PermissionsPush): ClientEvent[] {
  const handlers = realtimeHandlers(deps, permissions);
  return (Object.keys(handlers) as ClientMessageName[]).map((event) =>
    clientEvent(deps.logger, event, handlers[event] as Handler<typeof event>),
  );
}

/** One client event's listener: validate the payload against the contract, run it, answer through the ack. */
function clientEvent<K extends ClientMessageName>(log: Logger, event: K, run: Handler<K>): ClientEvent {
  const validate = requestValidator(event);
  const listener: ClientEventListener = async function (this: GoliveSocket, payload: unknown, ack: unknown) {
    const reply = typeof ack === 'function' ? (ack as (res: Ack<ResultOf<K>>) => void) : () => {};
    const checked = validate(payload);
    if (!checked.ok) return reply({ ok: false, error: { code: 'VALIDATION_FAILED', message: checked.problem } });
    try {
      reply({ ok: true, ...(await run(this, checked.value)) });
    } catch (error) {
      const realtimeError = toRealtimeError(error);
      if (realtimeError.code === 'INTERNAL') {
        log.error({ err: error, event, socketId: this.id, userId: this.data.principal.userId }, 'realtime handler failed');
      }
      reply({ ok: false, error: realtimeError });
    }
  };
  return { event, listener };
}

const KNOWN_CODES = new Set<string>(REALTIME_ERROR_CODES);

/** Errors from the shared factory keep their stable code; anything else is INTERNAL. */
function toRealtimeError(error: unknown): RealtimeError {
  const { code, message, retryAfterMs } = error as { code?: string; message?: string; retryAfterMs?: number };
  if (code && KNOWN_CODES.has(code)) {
    return { code: code as RealtimeErrorCode, message: message ?? code, ...(retryAfterMs ? { retryAfterMs } : {}) };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

function connectError(code: RealtimeErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}
