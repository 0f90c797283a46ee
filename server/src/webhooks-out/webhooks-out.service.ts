import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { WebhooksOutConfig } from '../config/webhooks.ts';
import type { Database } from '../db/schema.ts';
import type { EffectRunner } from '../effects/effect-runner.ts';
import { Errors } from '../errors.ts';
import { authorizeAdmin } from '../policy/policy.ts';
import { checkUrlAddresses, RefusedAddressError } from './address-policy.ts';
import {
  countReplay,
  type DeliveryRow,
  type DeliveryStatus,
  findDelivery,
  insertReplay,
  listDeliveries,
  requeueDelivery,
} from './deliveries.repository.ts';
import {
  deleteEndpoint,
  type EndpointPatch,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from './endpoints.repository.ts';
import { webhookMessageId } from './event-body.ts';
import { generateSecret } from './signer.ts';

/** Most events one replay request sends. */
export const REPLAY_LIMIT = 10_000;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export type EndpointView = ReturnType<typeof presentEndpoint>;

function presentEndpoint(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    fromEnv: row.from_env,
    failingSince: iso(row.failing_since),
    previousSecretExpiresAt:
      row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now()
        ? iso(row.previous_secret_expires_at)
        : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function presentDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    webhookId: webhookMessageId(row.eventId),
    eventType: row.eventType,
    sessionId: row.sessionId,
    replay: row.replay,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    finishedAt: iso(row.finishedAt),
    nextAttemptAt: iso(row.nextAttemptAt),
    lastError: row.lastError,
    attempts: row.attempts.map((a) => ({
      attempt: a.attempt,
      attemptedAt: a.attemptedAt.toISOString(),
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      error: a.error,
      nextAttemptAt: iso(a.nextAttemptAt),
    })),
  };
}

/** The admin API of events to the app: endpoints, their secrets, the delivery log, retry and replay. */
export class WebhooksOutService {
  readonly #db: Kysely<Database>;
  readonly #runner: EffectRunner;
  readonly #config: WebhooksOutConfig;

  constructor(deps: { db: Kysely<Database>; runner: EffectRunner; config: WebhooksOutConfig }) {
    this.#db = deps.db;
    this.#runner = deps.runner;
    this.#config = deps.config;
  }

  async create(principal: Principal, input: { url: string; eventTypes?: string[] | null; description?: string | null }) {
    authorizeAdmin(principal, 'manage webhook endpoints');
    const url = await this.#checkUrl(input.url);
    const secret = generateSecret();
    const row = await insertEndpoint(this.#db, {
      url,
      description: input.description ?? null,
      eventTypes: distinct(input.eventTypes),
      secret,
    });
    return { ...presentEndpoint(row), secret };
  }

  async list(principal: Principal): Promise<EndpointView[]> {
    authorizeAdmin(principal, 'read webhook endpoints');
    return (await listEndpoints(this.#db)).map(presentEndpoint);
  }

  async update(
    principal: Principal,
    id: string,
    input: { url?: string; eventTypes?: string[] | null; enabled?: boolean; description?: string | null },
  ): Promise<EndpointView> {
    authorizeAdmin(principal, 'manage webhook endpoints');
    const current = await this.#endpoint(id);
    if (current.from_env && (input.url !== undefined || input.eventTypes !== undefined || input.description !== undefined)) {
      throw new Errors.webhookEndpointFromEnv(id);
    }
    const patch: EndpointPatch = { ...input };
    if (input.url !== undefined) patch.url = await this.#checkUrl(input.url);
    if (input.eventTypes !== undefined) patch.eventTypes = distinct(input.eventTypes);
    const row = await updateEndpoint(this.#db, id, patch);
    if (!row) throw new Errors.webhookEndpointNotFound(id);
    return presentEndpoint(row);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    authorizeAdmin(principal, 'manage webhook endpoints');
    if ((await this.#endpoint(id)).from_env) throw new Errors.webhookEndpointFromEnv(id);
    if (!(await deleteEndpoint(this.#db, id))) throw new Errors.webhookEndpointNotFound(id);
  }

  async rotate(principal: Principal, id: string) {
    authorizeAdmin(principal, 'rotate webhook secrets');
    if ((await this.#endpoint(id)).from_env) throw new Errors.webhookEndpointFromEnv(id);
    const secret = generateSecret();
    const row = await rotateSecret(this.#db, id, secret, this.#config.secretOverlapSec);
    if (!row) throw new Errors.webhookEndpointNotFound(id);
    return { ...presentEndpoint(row), secret };
  }

  async deliveries(
    principal: Principal,
    query: { endpointId?: string; status?: DeliveryStatus; eventType?: string; cursor?: string; limit: number },
  ) {
    authorizeAdmin(principal, 'read webhook deliveries');
    const rows = await listDeliveries(this.#db, { ...query, before: query.cursor });
    const items = rows.map(presentDelivery);
    return { items, nextCursor: rows.length === query.limit ? (rows.at(-1)?.id ?? null) : null };
  }

  async retry(principal: Principal, deliveryId: string) {
    authorizeAdmin(principal, 'retry webhook deliveries');
    const delivery = await findDelivery(this.#db, deliveryId);
    if (!delivery) throw new Errors.webhookDeliveryNotFound(deliveryId);
    await this.#enabledEndpoint(delivery.endpointId);
    if (await requeueDelivery(this.#db, deliveryId)) await this.#runner.runNow([deliveryId]);
    const after = await findDelivery(this.#db, deliveryId);
    if (!after) throw new Errors.webhookDeliveryNotFound(deliveryId);
    return presentDelivery(after);
  }

  async replay(principal: Principal, id: string, input: { since: string; until?: string; eventTypes?: string[] }) {
    authorizeAdmin(principal, 'replay webhook events');
    const endpoint = await this.#enabledEndpoint(id);
    const since = new Date(input.since);
    const until = input.until ? new Date(input.until) : null;
    if (until && until.getTime() <= since.getTime()) throw new Errors.replayRangeInvalid('until must be later than since');
    const range = { endpointId: id, since, until, eventTypes: distinct(input.eventTypes), limit: REPLAY_LIMIT };
    const count = await countReplay(this.#db, range, endpoint.event_types);
    if (count > REPLAY_LIMIT) throw new Errors.replayTooLarge(count, REPLAY_LIMIT);
    const ids = await insertReplay(this.#db, range, endpoint.event_types);
    // Left to the workers' polls, which take one delivery per session at a time: claimed all at
    // once, a long replay to a slow receiver would outlast its lease.
    this.#runner.wake(Date.now());
    return { replayed: ids.length };
  }

  async #endpoint(id: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.#db, id);
    if (!row) throw new Errors.webhookEndpointNotFound(id);
    return row;
  }

  async #enabledEndpoint(id: string): Promise<EndpointRow> {
    const row = await this.#endpoint(id);
    if (!row.enabled) throw new Errors.webhookEndpointDisabled(id, row.disabled_reason ?? 'disabled');
    return row;
  }

  /** http(s) only, and in production no address that is not public (checked again at delivery). */
  async #checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Errors.webhookUrlRefused(`${raw} is not a URL: send e.g. https://app.example.com/hooks/golive`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Errors.webhookUrlRefused('use an http:// or https:// URL');
    try {
      await checkUrlAddresses(this.#config, url);
    } catch (error) {
      if (error instanceof RefusedAddressError) throw new Errors.webhookUrlRefused(error.message);
      throw new Errors.webhookUrlRefused(`cannot resolve ${url.hostname} (${(error as { code?: string }).code ?? String(error)})`);
    }
    return url.toString();
  }
}

function distinct(types: string[] | null | undefined): string[] | null {
  return types ? [...new Set(types)] : null;
}
