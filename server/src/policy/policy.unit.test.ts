// The policy as a table: every action × every kind of actor, on a public and a private session,
// live and ended. Pure: the facts are built here, as loadFacts would return them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrateToLatest } from '../adapters/database.ts';
import type { Principal } from '../auth/principal.ts';
import { SERVICE_PRINCIPAL } from '../auth/principal.ts';
import type { Database, SessionRow, StageRole } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { DEFAULT_SETTINGS } from '../sessions/settings.ts';
import { loadFacts, type SessionFacts, type SubjectFacts } from '../work/session-facts.ts';
import { decide, permissionsOf, type SessionAction } from './policy.ts';
import { refusalsOf } from './refusals.ts';
import { visibleTo } from './visibility.ts';

const ACTORS = ['host', 'cohost', 'guest', 'viewer', 'appForViewer', 'observer', 'banned', 'service', 'outsider'] as const;
type Actor = (typeof ACTORS)[number];

const user = (userId: string, via: 'jwt' | 'apiKey' = 'jwt', isAdmin = false): Principal => ({
  kind: 'user',
  userId,
  name: userId,
  isAdmin,
  via,
});

const PRINCIPALS: Record<Actor, Principal> = {
  host: user('host'),
  cohost: user('cohost'),
  guest: user('guest'),
  viewer: user('viewer'),
  // The app's backend acting for the viewer (X-Api-Key + X-Golive-User): the viewer's rights.
  appForViewer: user('viewer', 'apiKey'),
  observer: user('admin', 'jwt', true),
  banned: user('banned'),
  // The app's backend alone (X-Api-Key): admin powers, but not a participant.
  service: SERVICE_PRINCIPAL,
  outsider: user('outsider'),
};

type Kind = 'public' | 'private';

function factsFor(kind: Kind, status: 'live' | 'ended' = 'live'): SessionFacts {
  // On the private session everyone but the outsider and the admin is on the allowlist.
  const participants = kind === 'private' ? ['cohost', 'cohost2', 'guest', 'viewer', 'viewer2', 'banned'] : [];
  const roles: Record<string, StageRole> = { cohost: 'cohost', cohost2: 'cohost', guest: 'guest' };
  const subjects = new Map<string, SubjectFacts>();
  for (const id of ['host', 'cohost', 'cohost2', 'guest', 'viewer', 'viewer2', 'admin', 'banned', 'outsider']) {
    subjects.set(id, {
      userId: id,
      stageRole: roles[id] ?? null,
      ban: id === 'banned' ? { reason: 'spam', expiresAt: null } : null,
      allowlisted: participants.includes(id),
      connected: true,
    });
  }
  const row = {
    id: '00000000-0000-4000-8000-000000000001',
    host_id: 'host',
    host_name: 'Host',
    mode: 'broadcast',
    visibility: kind,
    status,
  } as SessionRow;
  return { row, settings: DEFAULT_SETTINGS, participants, guests: 1, connectedOthers: null, subjects };
}

const code = (name: keyof typeof Errors) => new (Errors[name] as new (...a: string[]) => { code: string })('x', 'y').code;
const OK = 'ok';
const NH = code('notHost');
const NM = code('notModerator');
const CTC = code('cannotTargetCohost');
const HCL = code('hostCannotLeave');
const SF = code('sessionForbidden');
const B = code('banned');
const U = code('userRequired');
const AOS = code('alreadyOnStage');
const NOS = code('notOnStage');
const CTH = code('cannotTargetHost');
const VF = code('validationFailed');
const RP = code('recordingPrivate');

type Row = { label: string; input: SessionAction; cells: Record<Actor, string> };
const row = (label: string, input: SessionAction, line: string): Row => {
  const values = line.trim().split(/\s*\|\s*/);
  assert.equal(values.length, ACTORS.length, `${label}: one cell per actor`);
  return { label, input, cells: Object.fromEntries(ACTORS.map((a, i) => [a, values[i]])) as Record<Actor, string> };
};

// On the private session. On the public one the outsider is a plain viewer (see expectedOn).
// biome-ignore format: the table is the point
const TABLE: Row[] = [
  //                                                                              host   | cohost | guest | viewer | appForViewer | observer | banned | service | outsider
  row('view', { action: 'session.view' },                                      `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${OK}  | ${OK}   | ${SF}`),
  row('join', { action: 'session.join' },                                      `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('subscribe', { action: 'session.subscribe' },                            `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('end', { action: 'session.end' },                                        `${OK}  | ${NH}   | ${NH}  | ${NH}   | ${NH}         | ${OK}    | ${NH}   | ${OK}   | ${SF}`),
  row('settings', { action: 'session.settings' },                              `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('events', { action: 'session.events' },                                  `${OK}  | ${NH}   | ${NH}  | ${NH}   | ${NH}         | ${OK}    | ${NH}   | ${OK}   | ${SF}`),
  row('stats', { action: 'session.stats' },                                    `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('telemetry', { action: 'telemetry.send' },                               `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('chat read', { action: 'chat.read' },                                    `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('chat send', { action: 'chat.send' },                                    `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('chat moderate', { action: 'chat.moderate' },                            `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('react', { action: 'reaction.send' },                                    `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('participants', { action: 'participants.list' },                         `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('stage requests', { action: 'stage.list' },                              `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('ask for stage', { action: 'stage.request' },                            `${AOS} | ${AOS} | ${AOS}| ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('cancel request', { action: 'stage.cancel' },                            `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('decide request', { action: 'stage.decide' },                            `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('invite viewer', { action: 'stage.invite', target: 'viewer2' },          `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('invite guest', { action: 'stage.invite', target: 'guest' },             `${AOS} | ${AOS} | ${NM}  | ${NM}   | ${NM}         | ${AOS}   | ${B}   | ${AOS}  | ${SF}`),
  row('invite banned', { action: 'stage.invite', target: 'banned' },           `${SF}  | ${SF}  | ${NM}  | ${NM}   | ${NM}         | ${SF}    | ${B}   | ${SF}   | ${SF}`),
  row('answer invite', { action: 'stage.answer' },                             `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${U}    | ${SF}`),
  row('leave stage', { action: 'stage.leave' },                                `${HCL}   | ${OK}  | ${OK} | ${NOS} | ${NOS}       | ${NOS}   | ${B}   | ${U}    | ${SF}`),
  row('viewer → guest', { action: 'role.set', target: 'viewer2', role: 'guest' }, `${OK} | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('viewer → cohost', { action: 'role.set', target: 'viewer2', role: 'cohost' }, `${OK} | ${NH} | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('cohost → viewer', { action: 'role.set', target: 'cohost2', role: 'viewer' }, `${OK} | ${NH} | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('host → viewer', { action: 'role.set', target: 'host', role: 'viewer' },  `${CTH} | ${CTH} | ${NM}  | ${NM}   | ${NM}         | ${CTH}   | ${B}   | ${CTH}  | ${SF}`),
  row('banned → guest', { action: 'role.set', target: 'banned', role: 'guest' }, `${SF} | ${SF}  | ${NM}  | ${NM}   | ${NM}         | ${SF}    | ${B}   | ${SF}   | ${SF}`),
  row('mute viewer', { action: 'participant.mute', target: 'viewer2' },        `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('kick co-host', { action: 'participant.kick', target: 'cohost2' },       `${OK}  | ${CTC}   | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('kick self', { action: 'participant.kick', target: 'cohost' },           `${OK}  | ${VF}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('ban host', { action: 'participant.ban', target: 'host' },               `${CTH} | ${CTH} | ${NM}  | ${NM}   | ${NM}         | ${CTH}   | ${B}   | ${CTH}  | ${SF}`),
  row('ban viewer', { action: 'participant.ban', target: 'viewer2' },          `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('unban', { action: 'participant.unban' },                                `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('list bans', { action: 'bans.list' },                                    `${OK}  | ${OK}  | ${NM}  | ${NM}   | ${NM}         | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('report', { action: 'report.create' },                                   `${OK}  | ${OK}  | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('start recording', { action: 'recording.start' },                        `${OK}  | ${NH}   | ${NH}  | ${NH}   | ${NH}         | ${OK}    | ${NH}   | ${OK}   | ${SF}`),
  row('manage recordings', { action: 'recording.manage' },                     `${OK}  | ${NH}   | ${NH}  | ${NH}   | ${NH}         | ${OK}    | ${NH}   | ${OK}   | ${SF}`),
  row('play public recording', { action: 'recording.play', visibility: 'public' }, `${OK} | ${OK} | ${OK} | ${OK}  | ${OK}        | ${OK}    | ${B}   | ${OK}   | ${SF}`),
  row('manage ingest', { action: 'ingest.manage' },                            `${OK}  | ${NH}   | ${NH}  | ${NH}   | ${NH}         | ${OK}    | ${NH}   | ${OK}   | ${SF}`),
];

/** What changes on the public session: the outsider is just another viewer there. */
function expectedOn(kind: Kind, r: Row, actor: Actor): string {
  if (kind === 'public' && actor === 'outsider') return r.cells.viewer;
  return r.cells[actor];
}

const LIVE_ONLY = new Set([
  'session.join',
  'session.subscribe',
  'session.end',
  'session.settings',
  'chat.send',
  'reaction.send',
  'stage.request',
  'stage.decide',
  'stage.invite',
  'stage.answer',
  'stage.leave',
  'role.set',
  'participant.mute',
  'participant.kick',
  'participant.ban',
  'recording.start',
  'ingest.manage',
]);

const MODERATORS: readonly Actor[] = ['host', 'cohost', 'observer', 'service'];
const HOST_OR_ADMIN: readonly Actor[] = ['host', 'observer', 'service'];
const MODERATE = new Set([
  'session.settings',
  'stage.decide',
  'stage.invite',
  'role.set',
  'participant.mute',
  'participant.kick',
  'participant.ban',
]);
const HOST_ONLY = new Set(['session.end', 'recording.start', 'ingest.manage']);

/**
 * Who the actor is decides first (outsider, banned, not a user, not a moderator, not the host);
 * only then does an ended session refuse what needs a live one, before any rule of the action.
 */
function refusedForWho(actor: Actor, action: string, outcome: string): boolean {
  // SESSION_FORBIDDEN is about the actor only for the outsider; for others it is about the target.
  if (outcome === SF) return actor === 'outsider';
  if (outcome === B || outcome === U) return true;
  if (outcome !== NH && outcome !== NM) return false;
  if (HOST_ONLY.has(action)) return !HOST_OR_ADMIN.includes(actor);
  return MODERATE.has(action) && !MODERATORS.includes(actor);
}

const outcome = (principal: Principal, input: SessionAction, facts: SessionFacts): string => {
  const denial = decide(principal, input, facts);
  return denial ? code(denial.error) : OK;
};

describe('policy: every action × every actor', () => {
  for (const kind of ['public', 'private'] as const) {
    it(`on a live ${kind} session`, () => {
      const facts = factsFor(kind);
      const wrong: string[] = [];
      for (const r of TABLE) {
        for (const actor of ACTORS) {
          const got = outcome(PRINCIPALS[actor], r.input, facts);
          const want = expectedOn(kind, r, actor);
          if (got !== want) wrong.push(`${r.label} by ${actor}: ${got}, expected ${want}`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    it(`on an ended ${kind} session: what was allowed and needs a live session is SESSION_ENDED`, () => {
      const facts = factsFor(kind, 'ended');
      const wrong: string[] = [];
      for (const r of TABLE) {
        for (const actor of ACTORS) {
          const live = expectedOn(kind, r, actor);
          const want = LIVE_ONLY.has(r.input.action) && !refusedForWho(actor, r.input.action, live) ? code('sessionEnded') : live;
          const got = outcome(PRINCIPALS[actor], r.input, facts);
          if (got !== want) wrong.push(`${r.label} by ${actor}: ${got}, expected ${want}`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  }

  it('refuses each action only with codes refusalsOf lists for it (what its routes document)', () => {
    const undeclared: string[] = [];
    for (const kind of ['public', 'private'] as const) {
      for (const status of ['live', 'ended'] as const) {
        const facts = factsFor(kind, status);
        for (const r of TABLE) {
          const declared = new Set(refusalsOf(r.input.action).map((name) => code(name)));
          for (const actor of ACTORS) {
            const got = outcome(PRINCIPALS[actor], r.input, facts);
            if (got !== OK && !declared.has(got)) undeclared.push(`${r.label} by ${actor} (${kind}, ${status}): ${got}`);
          }
        }
      }
    }
    assert.deepEqual(undeclared, []);
  });

  it('covers every action the policy knows', () => {
    const covered = new Set(TABLE.map((r) => r.input.action));
    for (const action of LIVE_ONLY) assert.ok(covered.has(action as SessionAction['action']), action);
    assert.equal(covered.size, 31);
  });

  it('a private recording of a public session: host, admins and the allowlist only', () => {
    const facts = factsFor('public');
    const play = { action: 'recording.play', visibility: 'private' } as const;
    assert.equal(outcome(PRINCIPALS.host, play, facts), OK);
    assert.equal(outcome(PRINCIPALS.observer, play, facts), OK);
    assert.equal(outcome(PRINCIPALS.service, play, facts), OK);
    assert.equal(outcome(PRINCIPALS.viewer, play, facts), RP);
    assert.equal(outcome(PRINCIPALS.outsider, play, facts), RP);
    const viewer = facts.subjects.get('viewer');
    assert.ok(viewer);
    const invited = { ...facts, subjects: new Map([...facts.subjects, ['viewer', { ...viewer, allowlisted: true }]]) };
    assert.equal(outcome(PRINCIPALS.viewer, play, invited), OK, 'an allowlisted participant of a public session');
    assert.equal(outcome(PRINCIPALS.outsider, play, factsFor('private')), SF, 'a stranger to a private session');
    assert.equal(outcome(PRINCIPALS.host, play, factsFor('private', 'ended')), OK, 'recordings outlive the session');
  });

  it('settings turn chat, reactions and stage requests off for everyone, and cap participants', () => {
    const base = factsFor('public');
    const off = { ...base, settings: { ...DEFAULT_SETTINGS, chatEnabled: false, reactionsEnabled: false, allowGuests: false } };
    assert.equal(outcome(PRINCIPALS.host, { action: 'chat.send' }, off), code('chatDisabled'));
    assert.equal(outcome(PRINCIPALS.viewer, { action: 'reaction.send' }, off), code('reactionsDisabled'));
    assert.equal(outcome(PRINCIPALS.viewer, { action: 'stage.request' }, off), code('guestsNotAllowed'));
    const full = { ...base, settings: { ...DEFAULT_SETTINGS, maxParticipants: 3 }, connectedOthers: 3 };
    assert.equal(outcome(PRINCIPALS.viewer, { action: 'session.join' }, full), code('sessionFull'));
    assert.equal(outcome(PRINCIPALS.cohost, { action: 'session.join' }, full), OK, 'moderators are never shut out');
  });

  it('carries the same answers as permissions, with the publish sources of the role', () => {
    const facts = factsFor('public');
    const viewer = permissionsOf(PRINCIPALS.viewer, facts);
    assert.deepEqual(
      { publish: viewer.canPublish, chat: viewer.canChat, ask: viewer.canRequestStage, moderate: viewer.canModerate, end: viewer.canEnd },
      { publish: false, chat: true, ask: true, moderate: false, end: false },
    );
    const guest = permissionsOf(PRINCIPALS.guest, facts);
    assert.deepEqual(guest.publishSources, ['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    assert.equal(guest.canRequestStage, false);
    const host = permissionsOf(PRINCIPALS.host, facts);
    assert.ok(
      host.canPublish &&
        host.canModerate &&
        host.canManageCohosts &&
        host.canEnd &&
        host.canRecord &&
        host.canManageIngest &&
        host.canReadEvents,
    );
    const cohost = permissionsOf(PRINCIPALS.cohost, facts);
    assert.ok(cohost.canModerate && !cohost.canManageCohosts && !cohost.canEnd);
    const banned = permissionsOf(PRINCIPALS.banned, facts);
    assert.ok(
      Object.values(banned).every((v) => v === false || (Array.isArray(v) && v.length === 0)),
      'a banned user may do nothing',
    );
    const ended = permissionsOf(PRINCIPALS.host, factsFor('public', 'ended'));
    assert.ok(!ended.canPublish && !ended.canChat && !ended.canEnd && ended.canReadEvents, 'an ended session keeps only its record');
  });
});

describe('policy: the listing filter and the facts loader', () => {
  it('lists exactly the sessions session.view allows, with facts read by loadFacts (PGlite, in memory)', async () => {
    const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
    try {
      await migrateToLatest(db);
      const sessions: { id: string; visibility: Kind; members: string[] }[] = [
        { id: randomUUID(), visibility: 'public', members: [] },
        { id: randomUUID(), visibility: 'private', members: ['member'] },
        { id: randomUUID(), visibility: 'private', members: ['other'] },
      ];
      for (const [i, s] of sessions.entries()) {
        // One live session per host: the others are ended, which visibility does not look at.
        const ended = i > 0;
        await db
          .insertInto('sessions')
          .values({
            id: s.id,
            host_id: 'host',
            host_name: 'Host',
            title: 'Visibility',
            mode: 'broadcast',
            visibility: s.visibility,
            external_ref: null,
            tags: [],
            cover_url: null,
            max_duration_sec: 60,
            status: ended ? 'ended' : 'live',
            last_webhook_at: null,
            ended_at: ended ? new Date() : null,
            ended_by: null,
            end_reason: null,
            settings: '{}',
            pinned_message_id: null,
          })
          .execute();
        await db
          .insertInto('session_members')
          .values([
            { session_id: s.id, user_id: 'host', role: 'host' as const },
            ...s.members.map((m) => ({ session_id: s.id, user_id: m, role: 'participant' as const })),
          ])
          .execute();
      }
      for (const userId of ['host', 'member', 'other', 'stranger']) {
        const listed = new Set((await db.selectFrom('sessions').select('id').where(visibleTo(userId)).execute()).map((r) => r.id));
        for (const s of sessions) {
          const facts = await loadFacts(db, s.id, { subjects: [userId] }, false);
          const allowed = decide(user(userId), { action: 'session.view' }, facts) === null;
          assert.equal(listed.has(s.id), allowed, `${userId} on the ${s.visibility} session with members ${s.members.join(',')}`);
        }
      }
    } finally {
      await db.destroy();
    }
  });
});
