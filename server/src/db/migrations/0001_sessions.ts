import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sessions (
      id uuid primary key,
      host_id text not null,
      host_name text not null,
      title text not null,
      mode text not null check (mode in ('broadcast', 'interactive')),
      visibility text not null check (visibility in ('public', 'private')),
      external_ref text,
      tags text[] not null default '{}',
      cover_url text,
      max_duration_sec integer not null check (max_duration_sec > 0),
      status text not null check (status in ('live', 'ended')),
      viewer_count integer not null default 0 check (viewer_count >= 0),
      peak_viewers integer not null default 0 check (peak_viewers >= 0),
      last_webhook_at timestamptz,
      started_at timestamptz not null default now(),
      ended_at timestamptz,
      ended_by text,
      end_reason text,
      check ((status = 'ended') = (ended_at is not null))
    )`.execute(db);
  // One live session per host and per external reference; both hold under concurrent starts.
  await sql`create unique index sessions_one_live_per_host on sessions (host_id) where status = 'live'`.execute(db);
  await sql`create unique index sessions_one_live_per_ref on sessions (external_ref) where status = 'live' and external_ref is not null`.execute(
    db,
  );
  await sql`create index sessions_by_start on sessions (status, started_at desc, id desc)`.execute(db);
  await sql`create index sessions_by_host on sessions (host_id, started_at desc)`.execute(db);
  await sql`create index sessions_by_ref on sessions (external_ref, started_at desc) where external_ref is not null`.execute(db);
  await sql`create index sessions_tags on sessions using gin (tags)`.execute(db);

  await sql`
    create table session_members (
      session_id uuid not null references sessions (id),
      user_id text not null,
      role text not null check (role in ('host', 'participant')),
      added_at timestamptz not null default now(),
      primary key (session_id, user_id)
    )`.execute(db);
  await sql`create index session_members_by_user on session_members (user_id)`.execute(db);

  await sql`
    create table participant_connections (
      session_id uuid not null references sessions (id),
      participant_sid text not null,
      identity text not null,
      role text not null,
      counted boolean not null,
      joined_at timestamptz,
      left_at timestamptz,
      primary key (session_id, participant_sid)
    )`.execute(db);
  await sql`create index participant_connections_present on participant_connections (session_id) where joined_at is not null and left_at is null`.execute(
    db,
  );

  await sql`
    create table livekit_webhook_deliveries (
      event_id text primary key,
      event text not null,
      received_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index livekit_webhook_deliveries_age on livekit_webhook_deliveries (received_at)`.execute(db);

  await sql`
    create table session_events (
      id bigint generated always as identity primary key,
      session_id uuid not null references sessions (id),
      type text not null,
      actor_id text,
      target_id text,
      reason text,
      data jsonb not null default '{}',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index session_events_by_session on session_events (session_id, id)`.execute(db);
  // The audit log is append-only: the database itself refuses edits.
  await sql`
    create function session_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'session_events is append-only';
    end $$`.execute(db);
  await sql`
    create trigger session_events_no_update before update or delete on session_events
    for each row execute function session_events_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['session_events', 'livekit_webhook_deliveries', 'participant_connections', 'session_members', 'sessions']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists session_events_append_only`.execute(db);
}
