import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import { EffectFailure, type EffectOf } from '../effects/effect.ts';
import type { EffectRun } from '../effects/effect-runner.ts';
import type { Metrics } from '../ops/metrics.ts';
import { recordAttempt } from './deliveries.repository.ts';
import { disableEndpoint, findEndpointWithEvent, markFailing, markHealthy } from './endpoints.repository.ts';
import { webhookBody, webhookMessageId } from './event-body.ts';
import type { SendResult, WebhookSender } from './http-sender.ts';
import { type Signer, signingSecrets } from './signer.ts';

export type DeliveryDeps = {
  db: Kysely<Database>;
  sender: WebhookSender;
  signer: Signer;
  metrics: Metrics;
  logger: Logger;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterFailingSec: number;
};

type Outcome = 'success' | 'http_error' | 'network_error' | 'refused' | 'disabled';

/**
 * Carries out one webhook.deliver effect: signs the stored event's body for the endpoint's
 * current secrets and POSTs it, logs the attempt, and decides what comes next. A 2xx is done;
 * 410 Gone disables the endpoint and stops; any other answer or error is retried on the
 * schedule (not before a Retry-After), until the endpoint has failed for `disableAfterFailingSec`.
 */
export class WebhookDeliverer {
  readonly #d: DeliveryDeps;

  constructor(deps: DeliveryDeps) {
    this.#d = deps;
  }

  async deliver(effect: EffectOf<'webhook.deliver'>, run: EffectRun): Promise<void> {
    const { db, metrics } = this.#d;
    const found = await findEndpointWithEvent(db, effect.endpointId, effect.eventId);
    // Deleted meanwhile: nothing is owed to an endpoint that no longer exists.
    if (!found) return;
    const { endpoint, event } = found;
    const log = (statusCode: number | null, durationMs: number, error: string | null, nextAttemptAt: Date | null) =>
      recordAttempt(db, {
        deliveryId: run.id,
        endpointId: endpoint.id,
        attempt: run.attempt,
        statusCode,
        durationMs,
        error,
        nextAttemptAt,
      });
    if (!endpoint.enabled) {
      const why = `the endpoint is disabled: ${endpoint.disabled_reason ?? 'by an admin'}`;
      await log(null, 0, why, null);
      this.#count('disabled', 0, 'failed');
      throw new EffectFailure(why, null);
    }
    if (!event) throw new Error(`event ${effect.eventId} is not in the audit log`);

    const body = JSON.stringify(webhookBody(event));
    const now = new Date();
    const headers = this.#d.signer.headers(signingSecrets(endpoint, now), webhookMessageId(event.id), now, body);
    const started = performance.now();
    let result: SendResult | null = null;
    let failure: string | null = null;
    let outcome: Outcome;
    try {
      result = await this.#d.sender.post(endpoint.url, headers, body);
      outcome = result.statusCode >= 200 && result.statusCode < 300 ? 'success' : 'http_error';
      if (outcome === 'http_error') failure = describeStatus(result.statusCode);
    } catch (error) {
      outcome = (error as { code?: string }).code === 'WEBHOOK_ADDRESS_REFUSED' ? 'refused' : 'network_error';
      failure = error instanceof Error ? error.message : String(error);
    }
    const durationMs = performance.now() - started;
    const statusCode = result?.statusCode ?? null;

    if (outcome === 'success') {
      await log(statusCode, durationMs, null, null);
      if (endpoint.failing_since) await markHealthy(db, endpoint.id);
      this.#count(outcome, durationMs, 'delivered');
      return;
    }
    if (statusCode === 410) {
      await this.#disable(endpoint.id, 'the endpoint answered 410 Gone', 'gone');
      await log(statusCode, durationMs, `${failure}: the endpoint is disabled`, null);
      this.#count(outcome, durationMs, 'failed');
      throw new EffectFailure(`${failure}; endpoint disabled`, null);
    }
    let next = run.retryAt(result?.retryAfter ?? null);
    const failingSince = await markFailing(db, endpoint.id);
    if (failingSince && Date.now() - failingSince.getTime() >= this.#d.disableAfterFailingSec * 1000) {
      const days = Math.round((this.#d.disableAfterFailingSec / 86_400) * 10) / 10;
      await this.#disable(
        endpoint.id,
        `every attempt failed since ${failingSince.toISOString()} (${days} days); last: ${failure}`,
        'failing',
      );
      next = null;
    }
    await log(statusCode, durationMs, failure, next);
    metrics.webhookAttempts.inc({ result: outcome });
    metrics.webhookAttemptDuration.observe({ result: outcome }, durationMs / 1000);
    if (!next) metrics.webhookDeliveries.inc({ result: 'failed' });
    throw new EffectFailure(failure ?? 'delivery failed', next);
  }

  async #disable(endpointId: string, reason: string, kind: 'gone' | 'failing'): Promise<void> {
    if (await disableEndpoint(this.#d.db, endpointId, reason)) {
      this.#d.metrics.webhookEndpointsDisabled.inc({ reason: kind });
      this.#d.logger.warn({ endpointId, reason }, 'webhook endpoint disabled');
    }
  }

  #count(outcome: Outcome, durationMs: number, result: 'delivered' | 'failed'): void {
    const { metrics } = this.#d;
    metrics.webhookAttempts.inc({ result: outcome });
    if (outcome !== 'disabled') metrics.webhookAttemptDuration.observe({ result: outcome }, durationMs / 1000);
    metrics.webhookDeliveries.inc({ result });
  }
}

function describeStatus(status: number): string {
  if (status >= 300 && status < 400) return `answered ${status}: redirects are not followed, register the final URL`;
  return `answered ${status}`;
}
