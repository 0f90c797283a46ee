import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A per-session event sequence (max + 1 under the session row lock), so receivers can order.
  await sql`alter table session_events add column sequence bigint`.execute(db);
  // The session as it was when the event was recorded: the webhook body carries it, and a replay
  // sends the same body again.
  await sql`alter table session_events add column session jsonb`.execute(db);
  // Events recorded before this migration get their sequence once; the log stays append-only after.
  await sql`alter table session_events disable trigger session_events_no_update`.execute(db);
  await sql`
    update session_events e set sequence = n.seq
    from (select id, row_number() over (partition by session_id order by id) as seq from session_events) n
    where e.id = n.id`.execute(db);
  await sql`alter table session_events enable trigger session_events_no_update`.execute(db);
  await sql`create unique index session_events_sequence on session_events (session_id, sequence)`.execute(db);
  // Replays select by time.
  await sql`create index session_events_by_time on session_events (created_at)`.execute(db);

  // Where events go: endpoints from the admin API and from GOLIVE_WEBHOOK_URL (from_env).
  await sql`
    create table webhook_endpoints (
      id uuid primary key,
      url text not null,
      description text,
      -- null: every event type.
      event_types text[],
      enabled boolean not null default true,
      disabled_reason text,
      disabled_at timestamptz,
      from_env boolean not null default false,
      secret text not null,
      -- The secret before the last rotation signs too, until previous_secret_expires_at.
      previous_secret text,
      previous_secret_expires_at timestamptz,
      -- Start of the current run of failed attempts; null after a success.
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index webhook_endpoints_env_url on webhook_endpoints (url) where from_env`.execute(db);

  // A delivery is an outbox row of kind webhook.deliver; each attempt at it is logged here.
  await sql`
    create table webhook_attempts (
      id bigint generated always as identity primary key,
      delivery_id bigint not null references outbox (id) on delete cascade,
      -- No foreign key: every attempt would share-lock the one endpoint row (deleting an endpoint
      -- deletes its deliveries, and so their attempts).
      endpoint_id uuid not null,
      attempt integer not null,
      attempted_at timestamptz not null default now(),
      status_code integer,
      duration_ms integer not null,
      error text,
      next_attempt_at timestamptz
    )`.execute(db);
  await sql`create index webhook_attempts_by_delivery on webhook_attempts (delivery_id, id)`.execute(db);
  await sql`create index outbox_webhook_deliveries on outbox (((payload ->> 'endpointId')), id) where kind = 'webhook.deliver'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists outbox_webhook_deliveries`.execute(db);
  await sql`drop table if exists webhook_attempts`.execute(db);
  await sql`drop table if exists webhook_endpoints`.execute(db);
  await sql`drop index if exists session_events_by_time`.execute(db);
  await sql`drop index if exists session_events_sequence`.execute(db);
  await sql`alter table session_events drop column if exists session`.execute(db);
  await sql`alter table session_events drop column if exists sequence`.execute(db);
}
