import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Bumped by every change to what join decides on (status, settings, roles, bans), and announced
  // with NOTIFY golive_facts, so instances can keep those facts in memory (work/facts-cache.ts).
  await sql`alter table sessions add column facts_version bigint not null default 0`.execute(db);
  // Set when a batch of webhook edges arrived out of time order: the peak is re-derived from the
  // connection intervals by a presence.peak.rederive effect shortly after (presence/presence.ts).
  await sql`alter table sessions add column peak_dirty_since timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions drop column if exists peak_dirty_since`.execute(db);
  await sql`alter table sessions drop column if exists facts_version`.execute(db);
}
