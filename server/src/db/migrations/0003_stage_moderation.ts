import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Stage roles that differ from what a user gets by default (host, allowlist, public viewer).
  await sql`
    create table session_roles (
      session_id uuid not null references sessions (id),
      user_id text not null,
      role text not null check (role in ('cohost', 'guest', 'viewer')),
      updated_at timestamptz not null default now(),
      updated_by text not null,
      primary key (session_id, user_id)
    )`.execute(db);

  // A ban is per session (the owner's blocklist is the same thing); no expiry means for good.
  await sql`
    create table session_bans (
      session_id uuid not null references sessions (id),
      user_id text not null,
      reason text,
      banned_by text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      primary key (session_id, user_id)
    )`.execute(db);

  await sql`
    create table stage_requests (
      id uuid primary key,
      session_id uuid not null references sessions (id),
      user_id text not null,
      user_name text not null,
      kind text not null check (kind in ('request', 'invite')),
      status text not null check (status in ('pending', 'approved', 'rejected', 'cancelled', 'expired', 'accepted', 'declined')),
      created_by text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      decided_at timestamptz,
      decided_by text
    )`.execute(db);
  // One open request or invite per user and session.
  await sql`create unique index stage_requests_one_pending on stage_requests (session_id, user_id) where status = 'pending'`.execute(db);
  await sql`create index stage_requests_by_session on stage_requests (session_id, status, created_at)`.execute(db);

  await sql`
    create table reports (
      id uuid primary key,
      session_id uuid not null references sessions (id),
      reporter_id text not null,
      message_id uuid references chat_messages (id),
      reason text not null,
      status text not null default 'open' check (status in ('open', 'resolved')),
      created_at timestamptz not null default now(),
      resolved_at timestamptz,
      resolved_by text
    )`.execute(db);
  await sql`create index reports_open on reports (created_at desc) where status = 'open'`.execute(db);

  // The display name LiveKit reported, for the participant list.
  await sql`alter table participant_connections add column name text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table participant_connections drop column if exists name`.execute(db);
  for (const table of ['reports', 'stage_requests', 'session_bans', 'session_roles']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
