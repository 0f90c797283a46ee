import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Bumped by every change to what join decides on (status, settings, roles, bans), and announced
  // with NOTIFY golive_facts, so instances can keep those facts in memory (work/facts-cache.ts).
  await sql`alter table sessions add column facts_version bigint not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions drop column if exists facts_version`.execute(db);
}
