import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { WhipResource, WhipResourceStore } from './whip-proxy.ts';

/** WHIP resources in PostgreSQL, so that any instance serves a publish's PATCH and DELETE. */
export class PgWhipResourceStore implements WhipResourceStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Saved only while the key generation still opens the ingest: a rotation in between wins. */
  async save(resource: WhipResource): Promise<boolean> {
    const saved = await sql<{ id: string }>`
      insert into whip_resources (id, ingest_id, session_id, identity, livekit_path, created_at)
      select ${resource.id}, i.id, i.session_id, ${resource.identity}, ${resource.livekitPath}, ${resource.createdAt}
      from ingests i where i.id = ${resource.ingestId} and i.key_id = ${resource.keyId} and i.session_id = ${resource.sessionId}
      returning id`.execute(this.#db);
    return saved.rows.length === 1;
  }

  async get(id: string): Promise<WhipResource | null> {
    const row = await this.#db
      .selectFrom('whip_resources as r')
      .innerJoin('ingests as i', 'i.id', 'r.ingest_id')
      .select(['r.id', 'r.session_id', 'r.ingest_id', 'i.key_id', 'r.identity', 'r.livekit_path', 'r.created_at'])
      .where('r.id', '=', id)
      .executeTakeFirst();
    if (!row?.key_id) return null;
    return {
      id: row.id,
      sessionId: row.session_id,
      ingestId: row.ingest_id,
      keyId: row.key_id,
      identity: row.identity,
      livekitPath: row.livekit_path,
      createdAt: new Date(row.created_at),
    };
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('whip_resources').where('id', '=', id).execute();
  }

  async listBySession(sessionId: string): Promise<WhipResource[]> {
    const rows = await this.#db.selectFrom('whip_resources').select('id').where('session_id', '=', sessionId).execute();
    const found = await Promise.all(rows.map((r) => this.get(r.id)));
    return found.filter((r): r is WhipResource => r !== null);
  }
}
