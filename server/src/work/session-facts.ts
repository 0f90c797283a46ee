import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SessionRow, StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { readSettings, type SessionSettings } from '../sessions/settings.ts';

export type Ban = { reason: string | null; expiresAt: Date | null };

/** What golive knows about one user in one session. */
export type SubjectFacts = {
  userId: string;
  /** A role set by the host or a co-host; null means the default for the user. */
  stageRole: StageRole | null;
  /** An active ban; expired bans are not loaded. */
  ban: Ban | null;
  allowlisted: boolean;
  /** Has an open LiveKit connection in the presence ledger. */
  connected: boolean;
};

/**
 * Everything authorization and the stage rules need about a session, read in one query. Under the
 * unit of work it is read with the session row locked, so it cannot change until commit.
 */
export type SessionFacts = {
  row: SessionRow;
  settings: SessionSettings;
  /** The allowlist (not the host), in the order members were added. */
  participants: string[];
  /** Guests on stage now: explicit guest roles plus allowlisted publishers of interactive sessions. */
  guests: number;
  /** Connected identities other than the subjects; loaded only when asked for (maxParticipants). */
  connectedOthers: number | null;
  subjects: ReadonlyMap<string, SubjectFacts>;
};

export type FactsRequest = {
  /**
   * Users whose roles, bans and presence are loaded: the actor and any target; or 'all': every
   * role and ban of the session (no presence), for the facts cache.
   */
  subjects: readonly (string | null | undefined)[] | 'all';
  /** Also count connected identities other than the subjects. */
  countConnected?: boolean;
  /**
   * Only the session row and the subjects' bans, for changes that translate LiveKit's input and
   * authorize nothing (webhook batches, counts): participants, roles and guests are left empty.
   */
  lean?: boolean;
};

type Db = Kysely<Database> | Transaction<Database>;

/** Loads a session's facts; with `lock`, takes the session row lock first (see unit-of-work.ts). */
export async function loadFacts(db: Db, sessionId: string, request: FactsRequest, lock: boolean): Promise<SessionFacts> {
  const everyone = request.subjects === 'all';
  const subjects: string[] =
    request.subjects === 'all' ? [] : [...new Set(request.subjects.filter((s): s is string => typeof s === 'string'))];
  const forSubjects = (column: string) => (everyone ? sql`true` : sql`${sql.ref(column)} = any(${subjects}::text[])`);
  const base = db
    .selectFrom('sessions')
    .selectAll('sessions')
    .select([
      sql<string[]>`coalesce((select array_agg(m.user_id order by m.added_at) from session_members m
        where m.session_id = sessions.id and m.role = 'participant'), '{}')`.as('participants'),
      sql<string>`(select count(*) from session_roles r where r.session_id = sessions.id and r.role = 'guest')
        + case when sessions.mode = 'interactive' then (select count(*) from session_members m
            where m.session_id = sessions.id and m.role = 'participant'
            and not exists (select 1 from session_roles r where r.session_id = sessions.id and r.user_id = m.user_id))
          else 0 end`.as('guests'),
      sql<Record<string, StageRole> | string | null>`(select json_object_agg(r.user_id, r.role) from session_roles r
        where r.session_id = sessions.id and ${forSubjects('r.user_id')})`.as('roles'),
      sql<Record<string, { reason: string | null; expires_at: string | null }> | string | null>`(select json_object_agg(b.user_id,
        json_build_object('reason', b.reason, 'expires_at', b.expires_at)) from session_bans b
        where b.session_id = sessions.id and ${forSubjects('b.user_id')}
        and (b.expires_at is null or b.expires_at > now()))`.as('bans'),
      sql<string[] | null>`(select array_agg(distinct c.identity) from participant_connections c
        where c.session_id = sessions.id and c.identity = any(${subjects}::text[])
        and c.joined_at is not null and c.left_at is null)`.as('connected'),
      request.countConnected
        ? sql<string>`(select count(distinct c.identity) from participant_connections c where c.session_id = sessions.id
            and c.joined_at is not null and c.left_at is null and not (c.identity = any(${subjects}::text[])))`.as('connected_others')
        : sql<null>`null`.as('connected_others'),
    ])
    .where('id', '=', sessionId);
  if (lock) {
    // The lock is its own statement: under READ COMMITTED a statement reads one snapshot taken when
    // it starts, so facts read by the statement that waited for the lock could predate the change
    // that held it. Read after the lock, they include every change committed before it. The locked
    // row itself is its newest version.
    const locked = await db.selectFrom('sessions').selectAll().where('id', '=', sessionId).forUpdate().executeTakeFirst();
    if (!locked) throw new Errors.sessionNotFound(sessionId);
    if (request.lean) return leanFacts(db, locked, subjects);
  }
  const found = await base.executeTakeFirst();
  if (!found) throw new Errors.sessionNotFound(sessionId);
  const { participants, guests, roles, bans, connected, connected_others, ...row } = found;
  const roleMap = parseJson(roles) ?? {};
  const banMap = parseJson(bans) ?? {};
  const connectedSet = new Set(connected ?? []);
  const allowlist = new Set(participants);
  const subjectFacts = new Map<string, SubjectFacts>();
  const loaded: string[] = everyone ? [...new Set([...Object.keys(roleMap), ...Object.keys(banMap)])] : subjects;
  for (const userId of loaded) {
    const ban = banMap[userId];
    subjectFacts.set(userId, {
      userId,
      stageRole: roleMap[userId] ?? null,
      ban: ban ? { reason: ban.reason, expiresAt: ban.expires_at ? new Date(ban.expires_at) : null } : null,
      allowlisted: allowlist.has(userId),
      connected: connectedSet.has(userId),
    });
  }
  return {
    row,
    settings: readSettings(row.settings),
    participants,
    guests: Number(guests),
    connectedOthers: connected_others === null ? null : Number(connected_others),
    subjects: subjectFacts,
  };
}

async function leanFacts(db: Db, row: SessionRow, subjects: string[]): Promise<SessionFacts> {
  const bans =
    subjects.length === 0
      ? []
      : await db
          .selectFrom('session_bans')
          .select(['user_id', 'reason', 'expires_at'])
          .where('session_id', '=', row.id)
          .where('user_id', 'in', subjects)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
          .execute();
  const byUser = new Map(bans.map((b) => [b.user_id, b]));
  const subjectFacts = new Map<string, SubjectFacts>();
  for (const userId of subjects) {
    const ban = byUser.get(userId);
    subjectFacts.set(userId, {
      userId,
      stageRole: null,
      ban: ban ? { reason: ban.reason, expiresAt: ban.expires_at ? new Date(ban.expires_at) : null } : null,
      allowlisted: false,
      connected: false,
    });
  }
  return { row, settings: readSettings(row.settings), participants: [], guests: 0, connectedOthers: null, subjects: subjectFacts };
}

/**
 * The facts about one user; users not loaded as subjects are strangers with no role or ban. A ban
 * that has expired since the facts were read no longer counts.
 */
export function subjectOf(facts: SessionFacts, userId: string, now = Date.now()): SubjectFacts {
  const found = facts.subjects.get(userId);
  if (!found) return { userId, stageRole: null, ban: null, allowlisted: facts.participants.includes(userId), connected: false };
  const expired = found.ban?.expiresAt && found.ban.expiresAt.getTime() <= now;
  return expired ? { ...found, ban: null } : found;
}

/** PGlite returns json columns as text, pg as objects. */
function parseJson<T>(value: T | string | null): T | null {
  if (value === null) return null;
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
