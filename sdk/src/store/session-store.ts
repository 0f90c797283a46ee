import type { GoliveClient } from '../client.ts';
import { isGoliveError } from '../errors.ts';
import type { AssignableRole, ChatMessage, SessionSettingsView, StageRequest } from '../realtime/protocol.ts';
import { type GoliveRealtime, RealtimeRequestError } from '../realtime/realtime-client.ts';
import type { SessionSubscription } from '../realtime/session-subscription.ts';
import type { BanInput, JoinGrant, MuteKind, Recording, ReportInput, SessionSettingsPatch } from '../types.ts';
import {
  initialSnapshot,
  type PresenceEntry,
  reduceSession,
  type SessionSnapshot,
  type SessionStoreEvent,
  type StoreError,
} from './session-state.ts';

export type SessionStoreOptions = {
  /** The HTTP client of the signed-in user. */
  client: GoliveClient;
  /** Their realtime connection (shared by every store of the app), or a function that opens it. */
  realtime: GoliveRealtime | (() => Promise<GoliveRealtime>);
  sessionId: string;
  /** The user as golive sees them (GET /v1/me). */
  me?: { id: string; admin: boolean } | undefined;
};

type Listener = () => void;

/**
 * One session for one client, framework-free: join, realtime subscription, chat with resume,
 * stage, participants and permissions, folded into immutable snapshots. Read it with
 * `getSnapshot()` and `subscribe(listener)` (the shape React's useSyncExternalStore takes);
 * change it through its actions, which call golive and apply the answer.
 */
export class SessionStore {
  readonly sessionId: string;
  readonly #options: SessionStoreOptions;
  readonly #listeners = new Set<Listener>();
  readonly #offs: Array<() => void> = [];
  #state: SessionSnapshot;
  #subscription: SessionSubscription | null = null;
  #started: Promise<void> | null = null;
  /** Bumped by stop(): work begun by an earlier start() sees it and gives up. */
  #generation = 0;
  /** Ids of requests whose events arrived while the pending list was being read. */
  readonly #seenRequests = new Set<string>();

  constructor(options: SessionStoreOptions) {
    this.sessionId = options.sessionId;
    this.#options = options;
    this.#state = initialSnapshot(options.sessionId, options.me ?? null);
  }

  getSnapshot = (): SessionSnapshot => this.#state;

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Applies an event (the store's own, or the app's, e.g. presence). Exposed for tests and adapters. */
  dispatch(event: SessionStoreEvent): void {
    const next = reduceSession(this.#state, event);
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }

  /**
   * Joins (HTTP), connects and subscribes (realtime), then loads the stage for moderators.
   * Calling it again does nothing until stop(); after stop() it starts over.
   */
  start(): Promise<void> {
    this.#started ??= this.#start(this.#generation);
    return this.#started;
  }

  async #start(generation: number): Promise<void> {
    const stopped = () => generation !== this.#generation;
    this.dispatch({ type: 'joining' });
    let grant: JoinGrant;
    try {
      grant = await this.#options.client.joinSession(this.sessionId);
    } catch (error) {
      if (!stopped()) this.dispatch({ type: 'refused', error: toStoreError(error) });
      return;
    }
    if (stopped()) return;
    this.dispatch({ type: 'joined', grant, admin: this.#options.me?.admin ?? false });
    try {
      const realtime = typeof this.#options.realtime === 'function' ? await this.#options.realtime() : this.#options.realtime;
      await realtime.connect();
      const sub = await realtime.subscribe(this.sessionId);
      if (stopped()) return void sub.unsubscribe();
      this.#offs.push(realtime.onConnectionChange((state) => this.dispatch({ type: 'connection', state })));
      this.#attach(sub);
    } catch (error) {
      if (!stopped()) this.dispatch({ type: 'refused', error: toStoreError(error) });
      return;
    }
    await this.#loadStage();
  }

  #attach(sub: SessionSubscription): void {
    this.#subscription = sub;
    const snapshotOf = (): SessionStoreEvent => ({
      type: 'subscribed',
      role: sub.role,
      timeline: sub.chat,
      pinned: sub.pinned,
      settings: sub.settings,
      counters: sub.counters,
      reactionSet: sub.reactionSet,
      reactionTotals: sub.reactionTotals,
      permissions: sub.permissions,
      ingest: sub.ingest,
      recording: sub.recording,
    });
    this.dispatch(snapshotOf());
    this.#offs.push(
      sub.on('chat', (timeline) => this.dispatch({ type: 'chat', timeline })),
      sub.on('pinned', (message) => this.dispatch({ type: 'pinned', message })),
      sub.on('counters', (c) => this.dispatch({ type: 'counters', viewerCount: c.viewerCount, peakViewers: c.peakViewers })),
      sub.on('settings', (settings) => this.dispatch({ type: 'settings', settings })),
      sub.on('reactions', (burst) => this.dispatch({ type: 'reactions', burst })),
      sub.on('stageRequest', (request) => this.#request(request)),
      sub.on('role', (event) => this.dispatch({ type: 'role', userId: event.userId, role: event.role })),
      sub.on('permissions', (event) => this.#onPermissions(event)),
      sub.on('ended', (event) => this.dispatch({ type: 'ended', ...event })),
      sub.on('removed', (event) => this.dispatch({ type: 'removed', ...event })),
      sub.on('ingest', (status) => this.dispatch({ type: 'ingest', status })),
      sub.on('recording', (recording) => this.dispatch({ type: 'recording', recording })),
      sub.on('resumed', () => {
        // Back after a drop: the subscription re-read everything, and stage events may be missed.
        this.dispatch(snapshotOf());
        void this.#loadStage();
      }),
    );
  }

  #onPermissions(event: { role: NonNullable<SessionSnapshot['role']>; permissions: SessionSnapshot['permissions'] }): void {
    const wasModerator = this.#state.permissions.canModerate;
    this.dispatch({ type: 'permissions', ...event });
    // A new moderator sees every pending request and the participants: read them once.
    if (!wasModerator && this.#state.permissions.canModerate) void this.#loadStage();
  }

  /** Re-reads stage requests and participants over HTTP (moderators; others get their own events). */
  async #loadStage(): Promise<void> {
    if (!this.#state.permissions.canModerate || !this.#subscription) return;
    this.#seenRequests.clear();
    try {
      const [requests, participants] = await Promise.all([
        this.#options.client.listStageRequests(this.sessionId),
        this.#options.client.listParticipants(this.sessionId),
      ]);
      this.dispatch({ type: 'stage-requests', requests, keep: [...this.#seenRequests] });
      this.dispatch({ type: 'participants', participants });
    } catch (error) {
      this.dispatch({ type: 'error', error: toStoreError(error) });
    }
  }

  /** Leaves the session's realtime subscription; the store keeps its last snapshot. */
  async stop(): Promise<void> {
    this.#generation++;
    this.#started = null;
    for (const off of this.#offs.splice(0)) off();
    const sub = this.#subscription;
    this.#subscription = null;
    if (sub && !sub.ended && !sub.removed) await sub.unsubscribe();
  }

  /** Who the media server says is connected (e.g. LiveKit's participants with their golive.role attribute). */
  setPresence(entries: readonly PresenceEntry[]): void {
    this.dispatch({ type: 'presence', entries });
  }

  // Chat and reactions, over realtime.
  sendMessage(text: string, options: { clientId?: string } = {}): Promise<ChatMessage> {
    return this.#live().send(text, options);
  }
  react(emoji: string): Promise<void> {
    return this.#live().react(emoji);
  }

  // Moderating chat and settings, over HTTP; the realtime events bring the result to every client.
  async deleteMessage(messageId: string): Promise<void> {
    await this.#options.client.deleteMessage(this.sessionId, messageId);
  }
  async pinMessage(messageId: string): Promise<void> {
    this.dispatch({ type: 'pinned', message: await this.#options.client.pinMessage(this.sessionId, messageId) });
  }
  async unpinMessage(): Promise<void> {
    await this.#options.client.unpinMessage(this.sessionId);
    this.dispatch({ type: 'pinned', message: null });
  }
  async updateSettings(patch: SessionSettingsPatch): Promise<void> {
    const settings = await this.#options.client.updateSessionSettings(this.sessionId, patch);
    this.dispatch({ type: 'settings', settings: settings as SessionSettingsView });
  }
  async report(input: ReportInput): Promise<void> {
    await this.#options.client.reportSession(this.sessionId, input);
  }
  async end(reason?: string): Promise<void> {
    const session = await this.#options.client.endSession(this.sessionId, reason ? { reason } : {});
    this.dispatch({ type: 'ended', reason: session.endReason ?? 'ended', endedAt: session.endedAt ?? new Date().toISOString() });
  }

  // Streaming from OBS or an encoder, for the host and admins. The key is kept in this store's
  // memory only; the status follows over realtime.
  async createIngest(): Promise<void> {
    this.dispatch({ type: 'ingest-credentials', credentials: await this.#options.client.createIngest(this.sessionId) });
  }
  async rotateIngestKey(): Promise<void> {
    this.dispatch({ type: 'ingest-credentials', credentials: await this.#options.client.rotateIngestKey(this.sessionId) });
  }
  async deleteIngest(): Promise<void> {
    await this.#options.client.deleteIngest(this.sessionId);
    this.dispatch({ type: 'ingest', status: null });
  }

  // Recording, for the host and admins; everyone's `recording` follows over realtime.
  async startRecording(): Promise<Recording> {
    const recording = await this.#options.client.startRecording(this.sessionId);
    this.dispatch({ type: 'recording', recording: { id: recording.id, startedAt: recording.startedAt, auto: recording.auto } });
    return recording;
  }
  async stopRecording(): Promise<void> {
    const current = this.getSnapshot().recording;
    if (!current) return;
    await this.#options.client.stopRecording(this.sessionId, current.id);
    this.dispatch({ type: 'recording', recording: null });
  }

  // The stage, for viewers and guests.
  async requestStage(): Promise<void> {
    this.#request(await this.#options.client.requestStage(this.sessionId));
  }
  async cancelStageRequest(): Promise<void> {
    this.#request(await this.#options.client.cancelStageRequest(this.sessionId));
  }
  async acceptInvite(requestId: string): Promise<void> {
    this.#request(await this.#options.client.acceptStageInvite(this.sessionId, requestId));
  }
  async declineInvite(requestId: string): Promise<void> {
    this.#request(await this.#options.client.declineStageInvite(this.sessionId, requestId));
  }
  async leaveStage(): Promise<void> {
    await this.#options.client.leaveStage(this.sessionId);
  }

  // The stage, for the host and co-hosts.
  async approveRequest(requestId: string): Promise<void> {
    this.#request(await this.#options.client.approveStageRequest(this.sessionId, requestId));
  }
  async rejectRequest(requestId: string): Promise<void> {
    this.#request(await this.#options.client.rejectStageRequest(this.sessionId, requestId));
  }
  async invite(userId: string): Promise<void> {
    this.#request(await this.#options.client.inviteToStage(this.sessionId, userId));
  }
  async setRole(userId: string, role: AssignableRole): Promise<void> {
    const change = await this.#options.client.setParticipantRole(this.sessionId, userId, role);
    this.dispatch({ type: 'role', userId: change.userId, role: change.role });
  }
  async mute(userId: string, kind: MuteKind): Promise<void> {
    await this.#options.client.muteParticipant(this.sessionId, userId, kind);
  }
  async kick(userId: string, reason?: string): Promise<void> {
    await this.#options.client.kickParticipant(this.sessionId, userId, reason ? { reason } : {});
  }
  async ban(userId: string, input: Omit<BanInput, 'userId'> = {}): Promise<void> {
    await this.#options.client.banParticipant(this.sessionId, { ...input, userId });
    await this.#loadStage();
  }

  #request(request: StageRequest): void {
    this.#seenRequests.add(request.id);
    this.dispatch({ type: 'stage-request', request });
  }

  #live(): SessionSubscription {
    if (!this.#subscription) {
      throw new RealtimeRequestError({ code: 'DISCONNECTED', message: 'the session is not subscribed yet: await store.start() first' });
    }
    return this.#subscription;
  }
}

/** The stable code and message of an SDK error (HTTP or realtime). */
export function toStoreError(error: unknown): StoreError {
  if (isGoliveError(error)) return { code: error.code, message: error.message };
  if (error instanceof RealtimeRequestError) return { code: error.code, message: error.message };
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
}
