import type {
  ChatMessage,
  IngestStatus,
  ParticipantRole,
  ReactionBurst,
  RecordingState,
  ServerToClientEvents,
  SessionInfo,
  StageRequest,
} from '@golive/sdk/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { SessionSettings } from '../sessions/settings.ts';

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
/** The host, co-hosts and admins subscribed to a session: they see stage requests. */
export const moderatorsRoom = (sessionId: string): string => `session:${sessionId}:mods`;
/** The host and admins subscribed to a session: they see its ingest's state. */
export const ingestRoom = (sessionId: string): string => `session:${sessionId}:ingest`;
/** Every socket of one user, on any instance. */
export const userRoom = (userId: string): string => `user:${userId}`;
/** Sockets watching the sessions feed (Browse): public sessions going live and ending. */
export const LOBBY_ROOM = 'lobby';
/** Admins watching the sessions feed: private sessions too. */
export const ADMIN_LOBBY_ROOM = 'lobby:admins';
/** Who hears about a session in the feed: everyone for a public one, admins for a private one. */
const lobbyRooms = (visibility: 'public' | 'private'): string[] =>
  visibility === 'public' ? [LOBBY_ROOM, ADMIN_LOBBY_ROOM] : [ADMIN_LOBBY_ROOM];

type CounterState = { lastEmitAt: number; timer: NodeJS.Timeout | null };

/**
 * What the broadcaster emits through: both socket.io's Server and @socket.io/redis-emitter's
 * Emitter fit, so an instance without the realtime role still reaches every subscriber.
 */
export type RoomEmitter = {
  to(room: string | string[]): {
    emit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): unknown;
  };
  in(room: string | string[]): { socketsJoin(room: string | string[]): void; socketsLeave(room: string | string[]): void };
};

/**
 * Pushes session events to the session's Socket.IO room (on every instance, through the Redis
 * adapter when configured). Services call it after their transaction commits. Viewer counts are
 * coalesced to at most one update per interval per session.
 */
export class SessionBroadcaster {
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #countersIntervalMs: number;
  readonly #counters = new Map<string, CounterState>();
  #io: RoomEmitter | null = null;

  constructor(deps: { db: Kysely<Database>; logger: Logger; countersIntervalMs: number }) {
    this.#db = deps.db;
    this.#logger = deps.logger;
    this.#countersIntervalMs = deps.countersIntervalMs;
  }

  /** The Socket.IO server (realtime instances) or a Redis emitter (instances without realtime). */
  attach(io: RoomEmitter): void {
    this.#io = io;
  }

  detach(): void {
    this.#io = null;
    for (const state of this.#counters.values()) if (state.timer) clearTimeout(state.timer);
    this.#counters.clear();
  }

  chatMessage(message: ChatMessage): void {
    this.#io?.to(sessionRoom(message.sessionId)).emit('chat.message', message);
  }

  chatDeleted(sessionId: string, messageId: string): void {
    this.#io?.to(sessionRoom(sessionId)).emit('chat.deleted', { sessionId, messageId });
  }

  chatPinned(sessionId: string, message: ChatMessage | null): void {
    this.#io?.to(sessionRoom(sessionId)).emit('chat.pinned', { sessionId, message });
  }

  settingsChanged(sessionId: string, settings: SessionSettings): void {
    this.#io?.to(sessionRoom(sessionId)).emit('session.settings', { sessionId, settings });
  }

  reactions(burst: ReactionBurst): void {
    this.#io?.to(sessionRoom(burst.sessionId)).emit('reactions', burst);
  }

  /** A stage request or invite changed: the moderators and the user concerned are told. */
  stageRequest(request: StageRequest): void {
    this.#io
      ?.to([moderatorsRoom(request.sessionId), userRoom(request.userId)])
      .emit('stage.request', { sessionId: request.sessionId, request });
  }

  /** Consent: everyone subscribed hears that a recording started or stopped. */
  recordingStarted(sessionId: string, recording: RecordingState): void {
    this.#io?.to(sessionRoom(sessionId)).emit('recording.started', { sessionId, recording });
  }

  recordingStopped(sessionId: string, recordingId: string): void {
    this.#io?.to(sessionRoom(sessionId)).emit('recording.stopped', { sessionId, recordingId });
  }

  /** The ingest's state changed (null: it was deleted). */
  ingestStatus(sessionId: string, ingest: IngestStatus | null): void {
    this.#io?.to(ingestRoom(sessionId)).emit('ingest.status', { sessionId, ingest });
  }

  /** A role changed: everyone is told, and the user's sockets join or leave the moderators. */
  participantRole(sessionId: string, userId: string, role: ParticipantRole): void {
    if (!this.#io) return;
    const sockets = this.#io.in(userRoom(userId));
    if (role === 'cohost') sockets.socketsJoin(moderatorsRoom(sessionId));
    else sockets.socketsLeave(moderatorsRoom(sessionId));
    this.#io.to(sessionRoom(sessionId)).emit('participant.role', { sessionId, userId, role });
  }

  /** A kicked or banned user stops receiving the session on every instance. */
  removed(sessionId: string, userId: string, reason: 'kicked' | 'banned', message: string | null): void {
    if (!this.#io) return;
    this.#io.to(userRoom(userId)).emit('session.removed', { sessionId, reason, message });
    this.#io.in(userRoom(userId)).socketsLeave([sessionRoom(sessionId), moderatorsRoom(sessionId), ingestRoom(sessionId)]);
  }

  /** The sessions feed: a session went live. */
  feedSessionLive(session: SessionInfo): void {
    this.#io?.to(lobbyRooms(session.visibility)).emit('sessions.live', { session });
  }

  /** The sessions feed: a session ended. */
  feedSessionEnded(event: { sessionId: string; visibility: 'public' | 'private'; endedAt: string }): void {
    this.#io?.to(lobbyRooms(event.visibility)).emit('sessions.ended', { sessionId: event.sessionId, endedAt: event.endedAt });
  }

  /** Tells every subscriber at once, then empties the room. */
  sessionEnded(event: { sessionId: string; reason: string; endedAt: string }): void {
    const room = sessionRoom(event.sessionId);
    const state = this.#counters.get(event.sessionId);
    if (state?.timer) clearTimeout(state.timer);
    this.#counters.delete(event.sessionId);
    this.#io?.to(room).emit('session.ended', event);
    this.#io?.in(room).socketsLeave([room, moderatorsRoom(event.sessionId), ingestRoom(event.sessionId)]);
  }

  /** Viewer count or peak changed: push the latest values, at most once per interval. */
  countersChanged(sessionId: string): void {
    if (!this.#io) return;
    const state = this.#counters.get(sessionId) ?? { lastEmitAt: 0, timer: null };
    this.#counters.set(sessionId, state);
    if (state.timer) return;
    const wait = state.lastEmitAt + this.#countersIntervalMs - Date.now();
    state.timer = setTimeout(
      () => {
        state.timer = null;
        state.lastEmitAt = Date.now();
        // Counted again from when the push went out: a slow read must not bring the next one closer.
        void this.#emitCounters(sessionId).finally(() => {
          state.lastEmitAt = Date.now();
        });
      },
      Math.max(0, wait),
    );
    state.timer.unref();
  }

  async #emitCounters(sessionId: string): Promise<void> {
    try {
      const row = await this.#db
        .selectFrom('sessions')
        .select(['viewer_count', 'peak_viewers', 'status', 'visibility'])
        .where('id', '=', sessionId)
        .executeTakeFirst();
      if (row?.status !== 'live') return;
      // One emit to the session and the feed: a socket in both gets it once.
      this.#io
        ?.to([sessionRoom(sessionId), ...lobbyRooms(row.visibility)])
        .emit('session.counters', { sessionId, viewerCount: row.viewer_count, peakViewers: row.peak_viewers });
    } catch (error) {
      this.#logger.warn({ err: error, sessionId }, 'could not push viewer counters');
    }
  }
}
