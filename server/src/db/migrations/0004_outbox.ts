import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Effects committed with a change and carried out after commit (see effects/outbox.repository.ts).
  await sql`
    create table outbox (
      id bigint generated always as identity primary key,
      kind text not null,
      payload jsonb not null,
      session_id uuid,
      -- Effects with the same key run one after another, in id order; null runs unordered.
      ordering_key text,
      status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
      run_after timestamptz not null default now(),
      attempts integer not null default 0,
      locked_until timestamptz,
      locked_by text,
      last_error text,
      created_at timestamptz not null default now(),
      done_at timestamptz
    )`.execute(db);
  await sql`create index outbox_due on outbox (run_after, id) where status = 'pending'`.execute(db);
  await sql`create index outbox_ordering on outbox (ordering_key, id) where status = 'pending' and ordering_key is not null`.execute(db);
  await sql`create index outbox_done on outbox (done_at) where status <> 'pending'`.execute(db);
  await sql`create index outbox_by_session on outbox (session_id, id) where session_id is not null`.execute(db);

  // Who runs the periodic work that must run on one instance at a time.
  await sql`
    create table worker_leases (
      name text primary key,
      holder text not null,
      expires_at timestamptz not null
    )`.execute(db);

  // Slow mode asks for an author's last message in a session, under the session lock.
  await sql`create index chat_messages_by_author on chat_messages (session_id, user_id, created_at desc)`.execute(db);

  // When golive first found the session's LiveKit room gone and could not re-create it.
  await sql`alter table sessions add column interrupted_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions drop column if exists interrupted_at`.execute(db);
  await sql`drop index if exists chat_messages_by_author`.execute(db);
  await sql`drop table if exists worker_leases`.execute(db);
  await sql`drop table if exists outbox`.execute(db);
}
