import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, WebhookEndpointsTable } from '../db/schema.ts';
import { type StoredEvent, toStoredEvent } from '../events/events.repository.ts';

type Db = Kysely<Database>;
export type EndpointRow = Selectable<WebhookEndpointsTable>;

export async function insertEndpoint(
  db: Db,
  input: { url: string; description: string | null; eventTypes: string[] | null; secret: string },
): Promise<EndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ id: randomUUID(), url: input.url, description: input.description, event_types: input.eventTypes, secret: input.secret })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What one delivery needs, in one round trip: its endpoint (if it still exists) and its event. */
export async function findEndpointWithEvent(
  db: Db,
  endpointId: string,
  eventId: string,
): Promise<{ endpoint: EndpointRow; event: StoredEvent | null } | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .select(sql<Record<string, unknown> | null>`(select to_jsonb(e) from session_events e where e.id = ${eventId}::bigint)`.as('event'))
    .where('id', '=', endpointId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { event, ...endpoint } = row;
  return { endpoint, event: event ? toStoredEvent(event as Parameters<typeof toStoredEvent>[0]) : null };
}

export async function findEndpoint(db: Db, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listEndpoints(db: Db): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at', 'asc').orderBy('id').execute();
}

export type EndpointPatch = { url?: string; eventTypes?: string[] | null; enabled?: boolean; description?: string | null };

export async function updateEndpoint(db: Db, id: string, patch: EndpointPatch): Promise<EndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set({
      updated_at: sql`now()`,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.eventTypes !== undefined ? { event_types: patch.eventTypes } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      // Enabling clears why it was disabled and starts its failure clock afresh.
      ...(patch.enabled === true ? { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null } : {}),
      ...(patch.enabled === false ? { enabled: false, disabled_reason: 'disabled by an admin', disabled_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Removes the endpoint and the deliveries still waiting for it (their attempts go with them). */
export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('outbox').where('kind', '=', 'webhook.deliver').where(sql`payload ->> 'endpointId'`, '=', id).execute();
    const res = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  });
}

/** A new secret; the current one keeps signing until `overlapSec` from now. */
export async function rotateSecret(db: Db, id: string, secret: string, overlapSec: number): Promise<EndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set({
      previous_secret: sql`secret`,
      previous_secret_expires_at: sql`now() + make_interval(secs => ${overlapSec})`,
      secret,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Stops deliveries to the endpoint, saying why (shown to admins). Returns whether it was enabled. */
export async function disableEndpoint(db: Db, id: string, reason: string): Promise<boolean> {
  const res = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, disabled_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** The start of the endpoint's current run of failures (now, if this is the first). */
export async function markFailing(db: Db, id: string): Promise<Date | null> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: sql`coalesce(failing_since, now())` })
    .where('id', '=', id)
    .returning('failing_since')
    .executeTakeFirst();
  return row?.failing_since ? new Date(row.failing_since) : null;
}

export async function markHealthy(db: Db, id: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null })
    .where('id', '=', id)
    .where('failing_since', 'is not', null)
    .execute();
}

/**
 * Makes the endpoints from GOLIVE_WEBHOOK_URL exactly the configured ones: new URLs added, the
 * secret kept equal to GOLIVE_WEBHOOK_SECRET, URLs no longer configured removed. Whether one is
 * enabled is kept (an endpoint that answered 410 stays disabled until an admin enables it).
 */
export async function syncEnvEndpoints(db: Db, urls: readonly string[], secret: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Two instances booting at once would otherwise race on the same rows.
    await sql`select pg_advisory_xact_lock(hashtextextended('webhook_env_endpoints', 0))`.execute(trx);
    const stale = await trx
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('from_env', '=', true)
      .$if(urls.length > 0, (q) => q.where('url', 'not in', [...urls]))
      .execute();
    for (const { id } of stale) {
      await trx.deleteFrom('outbox').where('kind', '=', 'webhook.deliver').where(sql`payload ->> 'endpointId'`, '=', id).execute();
      await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    }
    if (!secret) return;
    for (const url of urls) {
      await trx
        .insertInto('webhook_endpoints')
        .values({ id: randomUUID(), url, description: 'GOLIVE_WEBHOOK_URL', event_types: null, secret, from_env: true })
        .onConflict((oc) =>
          oc
            .column('url')
            .where('from_env', '=', true)
            .doUpdateSet({ secret, previous_secret: null, previous_secret_expires_at: null, updated_at: sql`now()` }),
        )
        .execute();
    }
  });
}
