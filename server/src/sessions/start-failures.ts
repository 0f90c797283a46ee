import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { Metrics } from '../ops/metrics.ts';

/** Why golive could not carry out a start: CreateRoom failed, or something unexpected did. */
export type StartFailureReason = 'livekit' | 'internal';

/**
 * Counts a start golive could not carry out, and keeps it for platform stats (the failure rate
 * of a time window). Best effort: a database that is down loses the row, not the metric.
 */
export async function recordStartFailure(
  deps: { db: Kysely<Database>; metrics: Metrics; logger: Logger },
  hostId: string,
  reason: StartFailureReason,
): Promise<void> {
  deps.metrics.sessionStartFailures.inc({ reason });
  await deps.db
    .insertInto('session_start_failures')
    .values({ host_id: hostId, reason })
    .execute()
    .catch((error) => deps.logger.warn({ err: error, reason }, 'could not record a failed session start'));
}

/** A refusal decided by policy (already live, cooldown: a 4xx) is not a failure. */
export function isRefusal(error: unknown): boolean {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status < 500;
}
