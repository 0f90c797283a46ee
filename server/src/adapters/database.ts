import { mkdirSync } from 'node:fs';
import { type Dialect, Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.ts';
import * as m0001 from '../db/migrations/0001_sessions.ts';
import * as m0002 from '../db/migrations/0002_realtime.ts';
import * as m0003 from '../db/migrations/0003_stage_moderation.ts';
import * as m0004 from '../db/migrations/0004_outbox.ts';
import * as m0005 from '../db/migrations/0005_facts_version.ts';
import * as m0006 from '../db/migrations/0006_connections_by_identity.ts';
import * as m0007 from '../db/migrations/0007_analytics.ts';
import * as m0008 from '../db/migrations/0008_webhooks_out.ts';
import * as m0009 from '../db/migrations/0009_ingest.ts';
import * as m0010 from '../db/migrations/0010_recordings.ts';
import * as m0011 from '../db/migrations/0011_recording_gaps.ts';
import type { Database } from '../db/schema.ts';

export type Db = Kysely<Database>;

/** Migrations in order; listed explicitly so the same set runs on PostgreSQL and PGlite. */
const migrations: Record<string, Migration> = {
  '0001_sessions': m0001,
  '0002_realtime': m0002,
  '0003_stage_moderation': m0003,
  '0004_outbox': m0004,
  '0005_facts_version': m0005,
  '0006_connections_by_identity': m0006,
  '0007_analytics': m0007,
  '0008_webhooks_out': m0008,
  '0009_ingest': m0009,
  '0010_recordings': m0010,
  '0011_recording_gaps': m0011,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Timestamps come back as Date, bigint ids as strings, int8 counts as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** How busy the PostgreSQL connection pool is (pg.Pool's own counters). */
export type PoolStats = { total: number; idle: number; waiting: number; max: number };

export type OpenedDatabase = {
  db: Db;
  /** The pool's counters now; null on PGlite, which has no pool. */
  poolStats: () => PoolStats | null;
};

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite, per config. */
export async function openDatabase(config: DatabaseConfig): Promise<OpenedDatabase> {
  let dialect: Dialect;
  let poolStats: OpenedDatabase['poolStats'] = () => null;
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
    poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: config.poolSize });
    dialect = new PostgresDialect({ pool });
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGliteDialect } = await import('kysely-pglite-dialect');
    dialect = new PGliteDialect(new PGlite(config.dataDir));
  }
  return { db: new Kysely<Database>({ dialect }), poolStats };
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
