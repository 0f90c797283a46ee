import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Bans still in force: no expiry, or an expiry in the future. */
export function activeBans(db: Kysely<Database> | Transaction<Database>) {
  return db.selectFrom('session_bans').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]));
}
