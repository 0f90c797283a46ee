import { mkdirSync } from 'node:fs';
import { type Dialect, Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.ts';
import * as m0001 from '../db/migrations/0001_sessions.ts';
import * as m0002 from '../db/migrations/0002_realtime.ts';
import * as m0003 from '../db/migrations/0003_stage_moderation.ts';
import * as m0004 from '../db/migrations/0004_outbox.ts';
import * as m0005 from '../db/migrations/0005_webhooks_out.ts';
import type { Database } from '../db/schema.ts';

export type Db = Kysely<Database>;

/** Migrations in order; listed explicitly so the same set runs on PostgreSQL and PGlite. */
const migrations: Record<string, Migration> = {
  '0001_sessions': m0001,
  '0002_realtime': m0002,
  '0003_stage_moderation': m0003,
  '0004_outbox': m0004,
  '0005_webhooks_out': m0005,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Timestamps come back as Date, bigint ids as strings, int8 counts as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite, per config. */
export async function openDatabase(config: DatabaseConfig): Promise<Db> {
  let dialect: Dialect;
  if (config.kind === 'postgres') {
    dialect = new PostgresDialect({ pool: new pg.Pool({ connectionString: config.url, max: config.poolSize }) });
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGliteDialect } = await import('kysely-pglite-dialect');
    dialect = new PGliteDialect(new PGlite(config.dataDir));
  }
  return new Kysely<Database>({ dialect });
}

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
