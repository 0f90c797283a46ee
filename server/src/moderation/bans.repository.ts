import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Bans still in force: no expiry, or an expiry in the future. */
export function activeBans(db: Kysely<Database> | Transaction<Database>) {
  return db.selectFrom('session_bans').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]));
}

/** The user's active ban in a session, if any. */
export async function findActiveBan(db: Kysely<Database> | Transaction<Database>, sessionId: string, userId: string) {
  return activeBans(db).select('reason').where('session_id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
}
