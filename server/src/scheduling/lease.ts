import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * A named lease in PostgreSQL (worker_leases): periodic work that must run on one instance at a
 * time runs only on the holder. The holder renews it well before it expires; if the holder dies,
 * another instance takes it over once it has expired. Works the same on PGlite.
 */
export class Lease {
  readonly #db: Kysely<Database>;
  readonly #name: string;
  readonly #holder: string;
  readonly #ttlMs: number;

  constructor(options: { db: Kysely<Database>; name: string; holder: string; ttlMs: number }) {
    this.#db = options.db;
    this.#name = options.name;
    this.#holder = options.holder;
    this.#ttlMs = options.ttlMs;
  }

  /** Takes or renews the lease; true when this instance holds it until now + ttl. */
  async acquire(): Promise<boolean> {
    const expires = sql<Date>`now() + make_interval(secs => ${this.#ttlMs / 1000})`;
    const row = await this.#db
      .insertInto('worker_leases')
      .values({ name: this.#name, holder: this.#holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder: this.#holder, expires_at: expires })
          .where((eb) => eb.or([eb('worker_leases.holder', '=', this.#holder), eb('worker_leases.expires_at', '<', sql<Date>`now()`)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === this.#holder;
  }

  /** Gives the lease up at shutdown, so another instance need not wait for it to expire. */
  async release(): Promise<void> {
    await this.#db.deleteFrom('worker_leases').where('name', '=', this.#name).where('holder', '=', this.#holder).execute();
  }

  /** Who holds it now, if anyone (for tests and operations). */
  async holder(): Promise<string | null> {
    const row = await this.#db
      .selectFrom('worker_leases')
      .select('holder')
      .where('name', '=', this.#name)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return row?.holder ?? null;
  }
}
