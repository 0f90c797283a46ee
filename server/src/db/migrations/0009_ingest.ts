import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The host's ingest (OBS or an encoder): at most one per session. The stream key is kept only as
  // its SHA-256 (the key is 256 random bits, so a plain hash cannot be reversed); key_id names the
  // key's generation, is stamped on the ingest participant's LiveKit attributes and changes with
  // every rotation, so a publish that began with an older key is recognised and removed. Both are
  // cleared when the session ends: the key dies with it.
  await sql`
    create table ingests (
      id uuid primary key,
      session_id uuid not null references sessions (id) on delete cascade,
      host_id text not null,
      key_hash text,
      key_id uuid,
      created_by text not null,
      created_at timestamptz not null default now(),
      key_rotated_at timestamptz,
      state text not null default 'waiting' check (state in ('waiting', 'receiving', 'stopped')),
      protocol text check (protocol in ('whip', 'rtmp')),
      -- Picture and sound received; the size is null where it is not known (WHIP: LiveKit does not say).
      video boolean,
      video_width integer,
      video_height integer,
      video_fps real,
      audio boolean,
      bitrate_kbps integer,
      stop_reason text,
      stop_message text,
      -- The LiveKit participant whose tracks made it receiving (WHIP), so a late leave of an older
      -- connection does not stop a newer one.
      participant_sid text,
      state_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index ingests_one_per_session on ingests (session_id)`.execute(db);
  await sql`create unique index ingests_by_key_hash on ingests (key_hash) where key_hash is not null`.execute(db);

  // golive's WHIP resources (RFC 9725 sessions) and LiveKit's path for each, so that any instance
  // serves the PATCH and DELETE of a publish. They go with their ingest.
  await sql`
    create table whip_resources (
      id text primary key,
      ingest_id uuid not null references ingests (id) on delete cascade,
      session_id uuid not null,
      identity text not null,
      livekit_path text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index whip_resources_by_ingest on whip_resources (ingest_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists whip_resources`.execute(db);
  await sql`drop table if exists ingests`.execute(db);
}
