import { type Kysely, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { listEvents, type SessionEvent } from '../events/events.repository.ts';
import { authorize } from '../policy/policy.ts';
import { visibleTo } from '../policy/visibility.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { decodeCursor, encodeCursor, presentSession, type SessionView } from './sessions.presenter.ts';

export type ListSessionsQuery = {
  status: 'live' | 'ended';
  tag?: string;
  externalRef?: string;
  hostId?: string;
  cursor?: string;
  limit: number;
};

/** Reading sessions: one, by reference, a page of them, and the audit log. */
export class SessionQueries {
  readonly #db: Kysely<Database>;
  readonly #work: UnitOfWork;

  constructor(deps: { db: Kysely<Database>; work: UnitOfWork }) {
    this.#db = deps.db;
    this.#work = deps.work;
  }

  async get(principal: Principal, sessionId: string): Promise<SessionView> {
    const facts = await this.#work.read(sessionId, { subjects: [principal.userId] });
    authorize(principal, { action: 'session.view' }, facts);
    return presentSession(facts.row, facts.participants);
  }

  /**
   * The newest session for an external reference (a live one if any), e.g. "is task_123 live?",
   * among those the caller may see: references are guessable, so a private session the caller is
   * not in is a 404, never a 403 that would tell it exists.
   */
  async getByExternalRef(principal: Principal, externalRef: string): Promise<SessionView> {
    let q = this.#db.selectFrom('sessions').select('id').where('external_ref', '=', externalRef);
    if (!principal.isAdmin) q = q.where(visibleTo(principal.userId));
    const found = await q.orderBy(sql`status = 'live'`, 'desc').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    if (!found) throw new Errors.sessionNotFound(`with externalRef ${externalRef}`);
    return this.get(principal, found.id);
  }

  async list(principal: Principal, query: ListSessionsQuery): Promise<{ sessions: SessionView[]; nextCursor: string | null }> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !cursor) throw new Errors.validationFailed('querystring.cursor is not a cursor returned by listSessions');
    let q = this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('status', '=', query.status)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1);
    if (!principal.isAdmin) q = q.where(visibleTo(principal.userId));
    if (query.tag) q = q.where(sql<boolean>`tags @> array[${query.tag.trim().toLowerCase()}]::text[]`);
    if (query.externalRef) q = q.where('external_ref', '=', query.externalRef);
    if (query.hostId) q = q.where('host_id', '=', query.hostId);
    if (cursor) q = q.where(sql<boolean>`(started_at, id) < (${cursor.startedAt}::timestamptz, ${cursor.id}::uuid)`);
    const rows = await q.execute();
    const page = rows.slice(0, query.limit);
    const members = await this.#participantsOf(page.map((r) => r.id));
    const last = page.at(-1);
    return {
      sessions: page.map((row) => presentSession(row, members.get(row.id) ?? [])),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  async listEvents(principal: Principal, sessionId: string, options: { after: string | null; limit: number }): Promise<SessionEvent[]> {
    const facts = await this.#work.read(sessionId, { subjects: [principal.userId] });
    authorize(principal, { action: 'session.events' }, facts);
    return listEvents(this.#db, sessionId, options);
  }

  /** Allowlisted users (not the host) per session. */
  async #participantsOf(sessionIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (sessionIds.length === 0) return result;
    const rows = await this.#db
      .selectFrom('session_members')
      .select(['session_id', 'user_id'])
      .where('session_id', 'in', sessionIds)
      .where('role', '=', 'participant')
      .orderBy('added_at')
      .execute();
    for (const r of rows) result.set(r.session_id, [...(result.get(r.session_id) ?? []), r.user_id]);
    return result;
  }
}
