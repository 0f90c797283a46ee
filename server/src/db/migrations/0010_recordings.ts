import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per recording of a session. status: 'recording' (asked for, the recorder runs or is
  // about to), 'processing' (stopped: segments being joined into one MP4), 'ready', 'failed'.
  // recorder_instance/recorder_seen_at are the worker that runs the recorder and its last
  // heartbeat: a row still 'recording' or 'processing' whose heartbeat went stale lost its recorder
  // (kill -9, a lost machine) and is finalized by another worker, marked interrupted.
  await sql`
    create table recordings (
      id uuid primary key,
      session_id uuid not null references sessions (id) on delete cascade,
      status text not null default 'recording' check (status in ('recording', 'processing', 'ready', 'failed')),
      visibility text not null default 'private' check (visibility in ('private', 'public')),
      started_by text not null,
      auto boolean not null default false,
      created_at timestamptz not null default now(),
      started_at timestamptz not null default now(),
      ended_at timestamptz,
      duration_sec double precision,
      size_bytes bigint,
      interrupted boolean not null default false,
      error text,
      file_key text,
      recorder_instance text,
      recorder_seen_at timestamptz,
      updated_at timestamptz not null default now()
    )`.execute(db);
  // At most one recording in progress per session, even under concurrent starts.
  await sql`create unique index recordings_one_in_progress on recordings (session_id) where status = 'recording'`.execute(db);
  await sql`create index recordings_by_session on recordings (session_id, started_at desc)`.execute(db);
  await sql`create index recordings_unfinished on recordings (status) where status in ('recording', 'processing')`.execute(db);
  await sql`create index recordings_by_start on recordings (started_at desc)`.execute(db);
  // createSession's recording: {auto: true}: the first published track starts a recording.
  await sql`alter table sessions add column recording_auto boolean not null default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions drop column if exists recording_auto`.execute(db);
  await sql`drop table if exists recordings`.execute(db);
}
