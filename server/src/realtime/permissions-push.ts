import type { Permissions } from '@golive/sdk/protocol';
import type { Logger } from 'pino';
import type { UserPrincipal } from '../auth/principal.ts';
import { permissionsOf, standingOf } from '../policy/policy.ts';
import type { ParticipantRole } from '../sessions/grants.ts';
import type { FactsCache } from '../work/facts-cache.ts';
import type { SessionFacts } from '../work/session-facts.ts';

/** What one socket was last told about one session: `session.permissions`' role and permissions, as JSON. */
export type SubscriptionState = { told: string };

/** What the push needs of the Socket.IO server: this instance's own sockets in a room, and a local emit. */
export type LocalSockets = {
  /** Ids of this instance's sockets in the room (none elsewhere). */
  inRoom(room: string): Iterable<string>;
  /** Ids of every socket connected to this instance. */
  all(): Iterable<string>;
  /** The socket's user and its subscriptions, if it is still connected here. */
  socket(id: string): { principal: UserPrincipal; subscriptions: Map<string, SubscriptionState> } | undefined;
  emit(socketIds: string[], payload: { sessionId: string; role: ParticipantRole; permissions: Permissions }): void;
};

/** The role and permissions a subscriber is told (subscribe answer and `session.permissions`). */
export function standingAnswer(principal: UserPrincipal, facts: SessionFacts): { role: ParticipantRole; permissions: Permissions } {
  return { role: standingOf(principal, facts).role ?? 'viewer', permissions: permissionsOf(principal, facts) };
}

/**
 * Tells every subscriber what they may do whenever it changes, so no client works it out: when a
 * session's facts change (a role, a setting, a ban), each instance recomputes the
 * answer for its own subscribed sockets with the policy (permissionsOf) and sends
 * `session.permissions` to those whose answer differs from what they were last told. Sockets with
 * the same new answer get one emit.
 *
 * Driven by the facts cache: its invalidations come from this instance's commits and from every
 * other instance's NOTIFY; when notifications may have been missed (LISTEN came back), every
 * local subscription is recomputed.
 */
export class PermissionsPush {
  readonly #facts: FactsCache;
  readonly #sockets: LocalSockets;
  readonly #roomOf: (sessionId: string) => string;
  readonly #logger: Logger;
  readonly #pending = new Set<string>();
  #everything = false;
  #scheduled = false;
  #stopped = false;

  constructor(deps: { facts: FactsCache; sockets: LocalSockets; roomOf: (sessionId: string) => string; logger: Logger }) {
    this.#facts = deps.facts;
    this.#sockets = deps.sockets;
    this.#roomOf = deps.roomOf;
    this.#logger = deps.logger;
  }

  /**
   * A socket just subscribed with an answer computed from facts version `version`: if a newer one
   * was announced before it joined the room (its push could not reach it), push again.
   */
  subscribed(sessionId: string, version: bigint): void {
    if ((this.#facts.announcedVersion(sessionId) ?? version) > version) this.factsChanged(sessionId);
  }

  /** A session's facts changed (null: any session's may have). Bursts are coalesced per session. */
  factsChanged(sessionId: string | null): void {
    if (this.#stopped) return;
    if (sessionId === null) this.#everything = true;
    else this.#pending.add(sessionId);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const sessions = [...this.#pending];
    this.#pending.clear();
    if (this.#everything) {
      this.#everything = false;
      sessions.push(...this.#allSubscribedSessions());
    }
    await Promise.all([...new Set(sessions)].map((sessionId) => this.#push(sessionId)));
  }

  #allSubscribedSessions(): string[] {
    const sessions = new Set<string>();
    for (const id of this.#sockets.all())
      for (const sessionId of this.#sockets.socket(id)?.subscriptions.keys() ?? []) sessions.add(sessionId);
    return [...sessions];
  }

  async #push(sessionId: string): Promise<void> {
    const socketIds = [...this.#sockets.inRoom(this.#roomOf(sessionId))];
    if (socketIds.length === 0 || this.#stopped) return;
    let facts: SessionFacts;
    try {
      facts = await this.#facts.get(sessionId);
    } catch (error) {
      this.#logger.warn({ err: error, sessionId }, 'could not read facts to push permissions');
      return;
    }
    if (facts.row.status !== 'live') return;
    const groups = new Map<string, { payload: ReturnType<typeof standingAnswer>; socketIds: string[] }>();
    for (const id of socketIds) {
      const socket = this.#sockets.socket(id);
      const subscription = socket?.subscriptions.get(sessionId);
      if (!socket || !subscription) continue;
      const answer = standingAnswer(socket.principal, facts);
      const told = JSON.stringify(answer);
      if (told === subscription.told) continue;
      subscription.told = told;
      const group = groups.get(told) ?? { payload: answer, socketIds: [] };
      group.socketIds.push(id);
      groups.set(told, group);
    }
    for (const { payload, socketIds: ids } of groups.values()) this.#sockets.emit(ids, { sessionId, ...payload });
  }
}
