import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Per-session settings as one validated document: chatEnabled, reactionsEnabled, slowModeSec, …
  await sql`alter table sessions add column settings jsonb not null default '{}'`.execute(db);
  // The last chat seq handed out; bumping it locks the session row, so seq order is commit order.
  await sql`alter table sessions add column chat_seq bigint not null default 0`.execute(db);
  await sql`alter table sessions add column pinned_message_id uuid`.execute(db);

  await sql`
    create table chat_messages (
      id uuid primary key,
      session_id uuid not null references sessions (id),
      seq bigint not null,
      user_id text not null,
      user_name text not null,
      user_role text not null,
      text text not null check (char_length(text) between 1 and 500),
      client_id text,
      created_at timestamptz not null default now(),
      deleted_at timestamptz,
      deleted_by text,
      unique (session_id, seq)
    )`.execute(db);
  await sql`create unique index chat_messages_client_id on chat_messages (session_id, user_id, client_id) where client_id is not null`.execute(
    db,
  );
  await sql`create index chat_messages_deleted on chat_messages (session_id, deleted_at) where deleted_at is not null`.execute(db);

  await sql`
    create table reaction_totals (
      session_id uuid not null references sessions (id),
      emoji text not null,
      count bigint not null default 0 check (count >= 0),
      primary key (session_id, emoji)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists reaction_totals`.execute(db);
  await sql`drop table if exists chat_messages`.execute(db);
  await sql`alter table sessions drop column if exists pinned_message_id, drop column if exists chat_seq, drop column if exists settings`.execute(
    db,
  );
}
