import type {
  ChatMessage,
  IngestStatus,
  ParticipantRole,
  Permissions,
  ReactionBurst,
  RecordingState,
  SessionSettingsView,
  StageRequest,
} from '../realtime/protocol.ts';
import type { IngestCredentials, JoinGrant, Participant, Session } from '../types.ts';
import { type ChatTimeline, EMPTY_TIMELINE } from './chat-timeline.ts';
import { mergePresence, type ParticipantEntry, type PresenceEntry, sortParticipants } from './participants.ts';
import { NO_PERMISSIONS } from './permissions.ts';

export type { ParticipantEntry, PresenceEntry };

/** Where the session stands for this client. */
export type SessionPhase = 'idle' | 'joining' | 'live' | 'ended' | 'removed' | 'refused';

/** A refusal with its stable code (e.g. SESSION_ENDED, BANNED, SESSION_FORBIDDEN). */
export type StoreError = { code: string; message: string };

/**
 * Everything one client knows about one session, as an immutable value. A new object is made on
 * every change, and unchanged parts keep their identity, so `snapshot.chat === previous.chat`
 * means the chat did not change.
 */
export type SessionSnapshot = {
  readonly sessionId: string;
  readonly phase: SessionPhase;
  /** Why the session is not available (phase 'refused'), or the last failed load. */
  readonly error: StoreError | null;
  /** The realtime connection; 'reconnecting' while it is down after having been up. */
  readonly connection: 'connecting' | 'connected' | 'reconnecting';
  /** The signed-in user: the grant's identity, and admin from GET /v1/me when known. */
  readonly me: { readonly id: string; readonly admin: boolean } | null;
  /** The join answer: the LiveKit URL and token for the media connection. */
  readonly grant: JoinGrant | null;
  readonly session: Session | null;
  /** My role, following every promotion and demotion. */
  readonly role: ParticipantRole | null;
  /**
   * What I may do now, exactly as golive's policy answered it: the join and subscribe answers,
   * then every `session.permissions` push (my role or a setting changed). Nothing is
   * worked out here. Nothing is allowed before the join answer or once the session is over for me.
   */
  readonly permissions: Permissions;
  readonly settings: SessionSettingsView | null;
  readonly counters: { readonly viewerCount: number; readonly peakViewers: number };
  readonly chat: { readonly timeline: ChatTimeline; readonly messages: readonly ChatMessage[]; readonly pinned: ChatMessage | null };
  readonly reactions: {
    readonly set: readonly string[];
    readonly totals: Readonly<Record<string, number>>;
    /** The latest burst, numbered so that two equal bursts still differ. */
    readonly lastBurst: (ReactionBurst & { readonly n: number }) | null;
  };
  readonly stage: {
    /** Pending requests and invites I may see: all of them as a moderator, mine otherwise. */
    readonly pending: readonly StageRequest[];
    /** My latest request to come on stage, whatever its status. */
    readonly mine: StageRequest | null;
    /** An invitation to me that waits for my answer. */
    readonly invite: StageRequest | null;
    /** @internal ids of requests known to be decided, so an older list cannot bring them back. */
    readonly decided: readonly string[];
  };
  /** Everyone in the session with their role, and whether they are connected. */
  readonly participants: readonly ParticipantEntry[];
  /** @internal golive's list (HTTP and role events), before presence is merged in. */
  readonly roster: readonly ParticipantEntry[];
  /** @internal who the media server says is connected; null until told. */
  readonly presence: readonly PresenceEntry[] | null;
  readonly ended: { readonly reason: string; readonly endedAt: string } | null;
  readonly removed: { readonly reason: 'kicked' | 'banned'; readonly message: string | null } | null;
  /**
   * The recording in progress (show REC, or a "Recording" badge to viewers); null when the session
   * is not being recorded. Everyone subscribed is told (consent).
   */
  readonly recording: RecordingState | null;
  /** Streaming from OBS or an encoder (WHIP or RTMP); for the host and admins. */
  readonly ingest: {
    /** The ingest's state as golive pushes it; null when the session has none (or it is not mine to see). */
    readonly status: IngestStatus | null;
    /** The URLs and key from my last create or rotate, in memory only: golive never shows the key again. */
    readonly credentials: IngestCredentials | null;
  };
};

/** Everything that changes a snapshot. */
export type SessionStoreEvent =
  | { type: 'joining' }
  | { type: 'joined'; grant: JoinGrant; admin: boolean }
  | { type: 'refused'; error: StoreError }
  | { type: 'connection'; state: 'connected' | 'disconnected' }
  | {
      type: 'subscribed';
      /** My role and permissions as the subscribe answer gives them (null: not subscribed yet). */
      role: ParticipantRole | null;
      timeline: ChatTimeline;
      pinned: ChatMessage | null;
      settings: SessionSettingsView | null;
      counters: { viewerCount: number; peakViewers: number };
      reactionSet: readonly string[];
      reactionTotals: Record<string, number>;
      permissions: Permissions | null;
      /** The session's ingest (host and admins); undefined when the answer has none for me. */
      ingest?: IngestStatus | null | undefined;
      /** The recording in progress (null: none); undefined from servers that predate recording. */
      recording?: RecordingState | null | undefined;
    }
  | { type: 'chat'; timeline: ChatTimeline }
  | { type: 'pinned'; message: ChatMessage | null }
  | { type: 'counters'; viewerCount: number; peakViewers: number }
  | { type: 'settings'; settings: SessionSettingsView }
  | { type: 'reactions'; burst: ReactionBurst }
  | { type: 'stage-request'; request: StageRequest }
  /** The pending list read over HTTP; `keep` names requests whose events arrived while it was read. */
  | { type: 'stage-requests'; requests: readonly StageRequest[]; keep: readonly string[] }
  | { type: 'role'; userId: string; role: ParticipantRole }
  /** The server's new answer for me: `session.permissions`. */
  | { type: 'permissions'; role: ParticipantRole; permissions: Permissions }
  | { type: 'participants'; participants: readonly Participant[] }
  | { type: 'presence'; entries: readonly PresenceEntry[] }
  | { type: 'ingest'; status: IngestStatus | null }
  | { type: 'recording'; recording: RecordingState | null }
  | { type: 'ingest-credentials'; credentials: IngestCredentials | null }
  | { type: 'ended'; reason: string; endedAt: string }
  | { type: 'removed'; reason: 'kicked' | 'banned'; message: string | null }
  | { type: 'error'; error: StoreError | null };

export function initialSnapshot(sessionId: string, me: { id: string; admin: boolean } | null = null): SessionSnapshot {
  return {
    sessionId,
    phase: 'idle',
    error: null,
    connection: 'connecting',
    me,
    grant: null,
    session: null,
    role: null,
    permissions: NO_PERMISSIONS,
    settings: null,
    counters: { viewerCount: 0, peakViewers: 0 },
    chat: { timeline: EMPTY_TIMELINE, messages: EMPTY_TIMELINE.messages, pinned: null },
    reactions: { set: [], totals: {}, lastBurst: null },
    stage: { pending: [], mine: null, invite: null, decided: [] },
    participants: [],
    roster: [],
    presence: null,
    ended: null,
    removed: null,
    recording: null,
    ingest: NO_INGEST,
  };
}

const NO_INGEST: SessionSnapshot['ingest'] = { status: null, credentials: null };
const DECIDED_KEPT = 200;

/** The next snapshot; the same object when the event changes nothing. Pure: no I/O, no clock. */
export function reduceSession(state: SessionSnapshot, event: SessionStoreEvent): SessionSnapshot {
  switch (event.type) {
    case 'joining':
      return { ...state, phase: 'joining', error: null };
    case 'joined': {
      const { grant } = event;
      const me = { id: grant.identity, admin: event.admin || grant.role === 'observer' || state.me?.admin === true };
      return {
        ...state,
        me,
        grant,
        session: grant.session,
        role: grant.role,
        permissions: grant.permissions,
        settings: state.settings ?? grant.session.settings,
        counters: { viewerCount: grant.session.viewerCount, peakViewers: grant.session.peakViewers },
      };
    }
    case 'refused':
      return { ...state, phase: 'refused', error: event.error, permissions: NO_PERMISSIONS };
    case 'connection': {
      const connection = event.state === 'connected' ? 'connected' : state.connection === 'connecting' ? 'connecting' : 'reconnecting';
      return connection === state.connection ? state : { ...state, connection };
    }
    case 'subscribed': {
      if (isOver(state)) return state;
      return {
        ...state,
        role: event.role ?? state.role,
        permissions: event.permissions ?? state.permissions,
        phase: 'live',
        error: null,
        connection: 'connected',
        chat: { timeline: event.timeline, messages: event.timeline.messages, pinned: event.pinned },
        settings: event.settings ?? state.settings,
        counters: event.counters,
        reactions: { ...state.reactions, set: event.reactionSet, totals: event.reactionTotals },
        ingest: event.ingest === undefined ? state.ingest : { ...state.ingest, status: event.ingest },
        recording: event.recording === undefined ? state.recording : event.recording,
      };
    }
    case 'chat':
      if (event.timeline === state.chat.timeline) return state;
      return { ...state, chat: { ...state.chat, timeline: event.timeline, messages: event.timeline.messages } };
    case 'pinned':
      return { ...state, chat: { ...state.chat, pinned: event.message } };
    case 'counters':
      return { ...state, counters: { viewerCount: event.viewerCount, peakViewers: event.peakViewers } };
    case 'settings':
      return { ...state, settings: event.settings };
    case 'reactions': {
      const n = (state.reactions.lastBurst?.n ?? 0) + 1;
      return { ...state, reactions: { ...state.reactions, totals: event.burst.totals, lastBurst: { ...event.burst, n } } };
    }
    case 'stage-request':
      return { ...state, stage: applyRequest(state.stage, event.request, state.me?.id) };
    case 'stage-requests': {
      // The list is what was pending when it was read; requests that changed since (keep) stay as they are.
      const keep = new Set(event.keep);
      let stage: SessionSnapshot['stage'] = { ...state.stage, pending: state.stage.pending.filter((r) => keep.has(r.id)) };
      for (const request of event.requests) if (!keep.has(request.id)) stage = applyRequest(stage, request, state.me?.id);
      return { ...state, stage };
    }
    case 'role': {
      const known = state.roster.find((p) => p.userId === event.userId);
      const entry = { userId: event.userId, name: known?.name ?? event.userId, role: event.role, connected: known?.connected ?? false };
      const roster = sortParticipants([...state.roster.filter((p) => p.userId !== event.userId), entry]);
      const mine = event.userId === state.me?.id;
      return withParticipants({ ...state, roster, role: mine ? event.role : state.role });
    }
    case 'permissions':
      if (isOver(state)) return state;
      return { ...state, role: event.role, permissions: event.permissions };
    case 'participants':
      return withParticipants({ ...state, roster: sortParticipants(event.participants.map((p) => ({ ...p }))) });
    case 'presence':
      return withParticipants({ ...state, presence: event.entries });
    case 'ingest':
      return { ...state, ingest: { status: event.status, credentials: event.status ? state.ingest.credentials : null } };
    case 'recording':
      return { ...state, recording: event.recording };
    case 'ingest-credentials':
      return { ...state, ingest: { ...state.ingest, credentials: event.credentials } };
    case 'ended':
      return { ...state, phase: 'ended', ended: { reason: event.reason, endedAt: event.endedAt }, permissions: NO_PERMISSIONS };
    case 'removed':
      return { ...state, phase: 'removed', removed: { reason: event.reason, message: event.message }, permissions: NO_PERMISSIONS };
    case 'error':
      return event.error === state.error ? state : { ...state, error: event.error };
  }
}

function isOver(state: SessionSnapshot): boolean {
  return state.phase === 'ended' || state.phase === 'removed' || state.phase === 'refused';
}

/** A request or invite, created or changed: pending ones are listed, decided ones leave for good. */
function applyRequest(stage: SessionSnapshot['stage'], request: StageRequest, myId: string | undefined): SessionSnapshot['stage'] {
  const decided = stage.decided.includes(request.id);
  if (decided && request.status === 'pending') return stage;
  const others = stage.pending.filter((r) => r.id !== request.id);
  const pending = request.status === 'pending' ? [...others, request].sort((a, b) => a.createdAt.localeCompare(b.createdAt)) : others;
  const mineNow = request.userId === myId;
  return {
    pending,
    mine: mineNow && request.kind === 'request' ? request : stage.mine,
    invite:
      mineNow && request.kind === 'invite'
        ? request.status === 'pending'
          ? request
          : null
        : stage.invite?.id === request.id && request.status !== 'pending'
          ? null
          : stage.invite,
    decided: request.status === 'pending' || decided ? stage.decided : [...stage.decided, request.id].slice(-DECIDED_KEPT),
  };
}

function withParticipants(state: SessionSnapshot): SessionSnapshot {
  return { ...state, participants: mergePresence(state.roster, state.presence) };
}
