import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Wall-clock stretches missing from the video (frame periods the recorder skipped while ffmpeg
  // fell behind), [[wallStartMs, lengthMs], ...] from media time 0: replay chat is placed by them.
  await sql`alter table recordings add column media_gaps jsonb not null default '[]'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table recordings drop column if exists media_gaps`.execute(db);
}
