import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The ledger's role history. relabel() overwrites a connection's role when its user goes on or
  // off stage; what it joined as stays on the row, and each change is kept here, so viewer and
  // stage time are split at the change (presence/spans.ts).
  await sql`alter table participant_connections add column joined_role text, add column joined_counted boolean`.execute(db);
  // Rows from before: their history is gone, the current label is the best there is.
  await sql`update participant_connections set joined_role = role, joined_counted = counted`.execute(db);
  await sql`alter table participant_connections alter column joined_role set not null, alter column joined_counted set not null`.execute(
    db,
  );
  await sql`
    create table participant_role_changes (
      id bigint generated always as identity primary key,
      session_id uuid not null references sessions (id),
      participant_sid text not null,
      role text not null,
      counted boolean not null,
      at timestamptz not null default now()
    )`.execute(db);
  await sql`create index participant_role_changes_by_connection on participant_role_changes (session_id, participant_sid, id)`.execute(db);

  // Reactions per 10 s of a session, for the top moments: bucket n covers [start + 10n s, start + 10(n+1) s).
  await sql`
    create table reaction_buckets (
      session_id uuid not null references sessions (id),
      bucket integer not null check (bucket >= 0),
      emoji text not null,
      count bigint not null check (count >= 0),
      primary key (session_id, bucket, emoji)
    )`.execute(db);

  // Starts that golive could not carry out (LiveKit down, an unexpected error); refusals by
  // policy (cooldown, already live) are not failures.
  await sql`
    create table session_start_failures (
      id bigint generated always as identity primary key,
      host_id text not null,
      reason text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index session_start_failures_by_time on session_start_failures (created_at)`.execute(db);

  // Client WebRTC telemetry, summed per session, user and direction (see telemetry/).
  await sql`
    create table session_telemetry (
      session_id uuid not null references sessions (id),
      user_id text not null,
      direction text not null check (direction in ('receive', 'send')),
      reports bigint not null default 0,
      interval_ms bigint not null default 0,
      bytes bigint not null default 0,
      packets bigint not null default 0,
      packets_lost bigint not null default 0,
      frames_decoded bigint not null default 0,
      frames_dropped bigint not null default 0,
      freezes bigint not null default 0,
      freeze_ms bigint not null default 0,
      connect_attempts bigint not null default 0,
      connect_failures bigint not null default 0,
      first_frames bigint not null default 0,
      first_frame_ms_sum bigint not null default 0,
      first_frame_ms_max bigint not null default 0,
      updated_at timestamptz not null default now(),
      primary key (session_id, user_id, direction)
    )`.execute(db);

  // Platform stats select sessions overlapping a time window.
  await sql`create index sessions_by_started_at on sessions (started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists sessions_by_started_at`.execute(db);
  for (const table of ['session_telemetry', 'session_start_failures', 'reaction_buckets', 'participant_role_changes']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
  await sql`alter table participant_connections drop column if exists joined_role, drop column if exists joined_counted`.execute(db);
}
