// Test data, inserted the way an app would: through golive's real API (and its realtime socket
// for chat, LiveKit for connections), so every row a test reads was written by the code under
// test. One module instead of each file's own builders: a change to a request body is made here.
//
//   const make = factories(stack);              // or factories(contractClient): responses checked against /openapi.json
//   const s = await make.goLive({ visibility: 'private', participants: [alice.id] });
//   await make.join(s.id, alice);
import { TEST_API_KEY, type TestStack, uniqueUser, userToken } from './harness.ts';
import type { MediaParticipant } from './media.ts';
import type { Caller, ContractClient } from './openapi-validator.ts';
import type { RealtimeClients } from './realtime-clients.ts';

/** A signed-in user of the host app: their id and a user JWT signed as the app would. */
export type TestUser = { id: string; token: string; admin: boolean; caller: Caller };

/** The answer to POST /v1/sessions/{id}/join (and the host's grant from POST /v1/sessions). */
export type JoinGrant = { role: string; identity: string; token: string; livekitUrl: string };

export type TestSession = {
  id: string;
  host: TestUser;
  /** Shorthands for host.id and host.token, the two things most tests need. */
  hostId: string;
  hostToken: string;
  /** The session as POST /v1/sessions answered it. */
  session: { id: string; status: string; [field: string]: unknown };
  /** The host's LiveKit grant. */
  grant: JoinGrant;
};

export type SessionSpec = {
  host?: TestUser;
  title?: string;
  mode?: 'broadcast' | 'interactive';
  visibility?: 'public' | 'private';
  /** The allowlist of a private session (user ids). */
  participants?: string[];
  tags?: string[];
  externalRef?: string;
  settings?: Record<string, unknown>;
  /** Any other field of the create body, sent as is. */
  extra?: Record<string, unknown>;
};

export type StageRequest = { id: string; userId: string; kind: string; status: string };
export type Ban = { userId: string; reason: string | null };

type Reply<T> = { status: number; body: T };
type Send = <T>(method: string, path: string, caller: Caller, json?: unknown) => Promise<Reply<T>>;

/** Mints a user (a fresh unique id unless one is given) with a token signed as the host app would. */
export async function aUser(prefix = 'user', options: { id?: string; admin?: boolean; name?: string } = {}): Promise<TestUser> {
  const id = options.id ?? uniqueUser(prefix);
  const token = await userToken(id, { admin: options.admin ?? false, ...(options.name ? { name: options.name } : {}) });
  return { id, token, admin: options.admin ?? false, caller: { token } };
}

/** An admin of the host app (the role claim says admin). */
export const anAdmin = (prefix = 'admin') => aUser(prefix, { admin: true });

/** The factories bound to a stack (plain fetch) or a ContractClient (every response validated). */
export function factories(target: TestStack | ContractClient) {
  const send: Send =
    'call' in target
      ? async (method, path, caller, json) => target.call(method, path, { ...caller, ...(json === undefined ? {} : { json }) })
      : async (method, path, caller, json) =>
          target.request(method, path, {
            ...(caller.token ? { token: caller.token } : {}),
            headers: {
              ...(caller.apiKey ? { 'x-api-key': caller.apiKey } : {}),
              ...(caller.actAs ? { 'x-golive-user': caller.actAs.userId } : {}),
              ...(caller.actAs?.role ? { 'x-golive-user-role': caller.actAs.role } : {}),
              ...caller.headers,
            },
            ...(json === undefined ? {} : { body: json }),
          });
  const baseUrl = target.baseUrl;

  /** Sends and insists on the status; a factory that cannot build its data fails loudly. */
  async function expect<T>(status: number, method: string, path: string, caller: Caller, json?: unknown): Promise<T> {
    const res = await send<T>(method, path, caller, json);
    if (res.status !== status)
      throw new Error(`factory: ${method} ${path} answered ${res.status}, not ${status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  const make = {
    send,
    expect,

    /** A live session hosted by spec.host (else a fresh user): public broadcast unless told otherwise. */
    async goLive(spec: SessionSpec = {}): Promise<TestSession> {
      const host = spec.host ?? (await aUser('host'));
      const body = {
        title: spec.title ?? 'Test session',
        mode: spec.mode ?? 'broadcast',
        visibility: spec.visibility ?? 'public',
        ...(spec.participants ? { participants: spec.participants } : {}),
        ...(spec.tags ? { tags: spec.tags } : {}),
        ...(spec.externalRef ? { externalRef: spec.externalRef } : {}),
        ...(spec.settings ? { settings: spec.settings } : {}),
        ...spec.extra,
      };
      const created = await expect<{ session: TestSession['session'] } & JoinGrant>(201, 'POST', '/v1/sessions', host.caller, body);
      const { session, ...grant } = created;
      return { id: session.id, host, hostId: host.id, hostToken: host.token, session, grant };
    },

    /** A private session whose allowlist is `allowlist` (interactive: the allowlisted join as guests). */
    privateSession(allowlist: string[], spec: SessionSpec = {}): Promise<TestSession> {
      return make.goLive({ mode: 'interactive', ...spec, visibility: 'private', participants: allowlist });
    },

    /** Ends the session as its host (or `by`). */
    async end(session: TestSession, by: Caller = session.host.caller): Promise<void> {
      await expect(200, 'POST', `/v1/sessions/${session.id}/end`, by);
    },

    /** A session that went live and was ended by its host. */
    async endedSession(spec: SessionSpec = {}): Promise<TestSession> {
      const session = await make.goLive(spec);
      await make.end(session);
      return session;
    },

    /** The user's join grant (their role and LiveKit token); fails unless golive lets them in. */
    join(sessionId: string, user: TestUser): Promise<JoinGrant> {
      return expect<JoinGrant>(200, 'POST', `/v1/sessions/${sessionId}/join`, user.caller);
    },

    /** The user asks to come on stage; the request is pending. */
    requestStage(sessionId: string, user: TestUser): Promise<StageRequest> {
      return expect<StageRequest>(201, 'POST', `/v1/sessions/${sessionId}/stage/requests`, user.caller);
    },

    /** The user asks and the host approves: the user is a guest. */
    async guest(session: TestSession, user: TestUser): Promise<StageRequest> {
      const ask = await make.requestStage(session.id, user);
      return expect<StageRequest>(200, 'POST', `/v1/sessions/${session.id}/stage/requests/${ask.id}/approve`, session.host.caller);
    },

    /** The host invites the user on stage; the invite is pending. */
    invite(session: TestSession, userId: string): Promise<StageRequest> {
      return expect<StageRequest>(201, 'POST', `/v1/sessions/${session.id}/stage/invites`, session.host.caller, { userId });
    },

    /** The host gives the user a role (cohost, guest or viewer). */
    async setRole(session: TestSession, userId: string, role: 'cohost' | 'guest' | 'viewer'): Promise<void> {
      await expect(200, 'PUT', `/v1/sessions/${session.id}/participants/${userId}/role`, session.host.caller, { role });
    },

    /** The host bans the user (for durationSec, else for good). */
    ban(session: TestSession, userId: string, options: { reason?: string; durationSec?: number } = {}): Promise<Ban> {
      return expect<Ban>(201, 'POST', `/v1/sessions/${session.id}/bans`, session.host.caller, { userId, ...options });
    },

    /** A report of the session by the user. */
    report(sessionId: string, user: TestUser, reason = 'test report'): Promise<{ id: string; status: string }> {
      return expect(201, 'POST', `/v1/sessions/${sessionId}/reports`, user.caller, { reason });
    },

    /** A chat message from the user, sent over realtime as a client does; returns its id. */
    async message(realtime: RealtimeClients, sessionId: string, user: TestUser, text = `hello ${uniqueUser('m')}`): Promise<string> {
      const client = await realtime.connect(baseUrl, user.id, { admin: user.admin });
      const subscription = await client.subscribe(sessionId);
      return (await subscription.send(text)).id;
    },

    /** The user joins and connects to the LiveKit room with rtc-node: a real connection golive learns of by webhook. */
    async connection(sessionId: string, user: TestUser): Promise<{ grant: JoinGrant; participant: MediaParticipant }> {
      const grant = await make.join(sessionId, user);
      // Imported here: rtc-node's native runtime loads only in the tests that connect.
      const { connectParticipant } = await import('./media.ts');
      return { grant, participant: await connectParticipant(grant.livekitUrl, grant.token) };
    },
  };
  return make;
}

/** The app's backend: the API key, acting for `userId` when given. */
export function serviceCaller(actAs?: { userId: string; role?: string }): Caller {
  return { apiKey: TEST_API_KEY, ...(actAs ? { actAs } : {}) };
}

/** Creates a live public session by a fresh host; returns its id and the host's user token. */
export async function liveSession(stack: TestStack, body: Record<string, unknown> = {}) {
  const { mode, visibility, title, ...extra } = body as SessionSpec & Record<string, unknown>;
  const s = await factories(stack).goLive({
    title: title ?? 'Realtime test',
    ...(mode ? { mode } : {}),
    ...(visibility ? { visibility } : {}),
    extra,
  });
  return { id: s.id, hostId: s.hostId, hostToken: s.hostToken };
}
