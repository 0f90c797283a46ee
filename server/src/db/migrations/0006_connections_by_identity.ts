import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One user's connections in a session: a join closes the same identity's earlier connections
  // (presence.ts), and stage re-labels and name look-ups find a user's rows without scanning the
  // whole session's.
  await sql`create index participant_connections_by_identity on participant_connections (session_id, identity, joined_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists participant_connections_by_identity`.execute(db);
}
