import pg from 'pg';
import type { TestStack } from './harness.ts';

/** Row count and a digest of the content of one table. */
export type TableState = { rows: number; digest: string };

/** Every golive table and every LiveKit room, to prove a request wrote nothing anywhere. */
export type WorldState = { tables: Record<string, TableState>; rooms: string[] };

/**
 * Reads the whole state a request could change: each table of the app's database (by content,
 * so an UPDATE shows too, not only an INSERT) and the rooms on the real livekit-server.
 */
export class StateProbe {
  readonly #stack: TestStack;
  readonly #client: pg.Client;

  private constructor(stack: TestStack, client: pg.Client) {
    this.#stack = stack;
    this.#client = client;
  }

  static async open(stack: TestStack): Promise<StateProbe> {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    return new StateProbe(stack, client);
  }

  async snapshot(): Promise<WorldState> {
    const { rows: tables } = await this.#client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely\\_%' order by 1`,
    );
    const state: WorldState = { tables: {}, rooms: [] };
    for (const { name } of tables) {
      const { rows } = await this.#client.query<{ rows: string; digest: string | null }>(
        `select count(*) as rows, md5(string_agg(t::text, '|' order by t::text)) as digest from ${pg.escapeIdentifier(name)} t`,
      );
      state.tables[name] = { rows: Number(rows[0]?.rows ?? 0), digest: rows[0]?.digest ?? '' };
    }
    state.rooms = (await this.#stack.services.livekit.listRooms()).map((room) => room.name).sort();
    return state;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}
