import type { Kysely, Transaction } from 'kysely';
import type { UserPrincipal } from '../auth/principal.ts';
import type { SessionPolicy } from '../config/config.ts';
import type { Database, SessionRow } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { StartContext } from '../work/unit-of-work.ts';
import type { CreateSessionInput } from './sessions.service.ts';

/** The session's row, its members and its start event, in the start's transaction. */
export async function insertSession(
  w: StartContext,
  policy: Pick<SessionPolicy, 'defaultMaxDurationSec'>,
  start: { id: string; host: UserPrincipal; input: CreateSessionInput; participants: string[]; tags: string[] },
): Promise<SessionRow> {
  const { id, host, input, participants, tags } = start;
  const { trx } = w;
  const inserted = await trx
    .insertInto('sessions')
    .values({
      id,
      host_id: host.userId,
      host_name: host.name,
      title: input.title.trim(),
      mode: input.mode,
      visibility: input.visibility,
      external_ref: input.externalRef ?? null,
      tags,
      cover_url: input.coverUrl ?? null,
      max_duration_sec: input.maxDurationSec ?? policy.defaultMaxDurationSec,
      status: 'live',
      last_webhook_at: null,
      ended_at: null,
      ended_by: null,
      end_reason: null,
      settings: JSON.stringify(input.settings ?? {}),
      pinned_message_id: null,
      recording_auto: input.recording?.auto ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('session_members')
    .values([
      { session_id: id, user_id: host.userId, role: 'host' as const },
      ...participants.map((userId) => ({ session_id: id, user_id: userId, role: 'participant' as const })),
    ])
    .execute();
  w.event({
    sessionId: id,
    type: 'live.session.started',
    actorId: host.userId,
    data: { mode: input.mode, visibility: input.visibility, externalRef: input.externalRef ?? null, participants },
  });
  return inserted;
}

/**
 * One live session per host, the cooldown between starts, and one live session per externalRef.
 * Checked before LiveKit is called, and again under the host's advisory lock.
 */
export async function checkCanStart(
  db: Kysely<Database> | Transaction<Database>,
  deps: { policy: Pick<SessionPolicy, 'startCooldownSec'>; metrics: Metrics },
  hostId: string,
  externalRef: string | undefined,
): Promise<void> {
  const last = await db
    .selectFrom('sessions')
    .select(['id', 'status', 'started_at'])
    .where('host_id', '=', hostId)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const { metrics } = deps;
  if (last?.status === 'live') {
    metrics.sessionStartRefusals.inc({ reason: 'already_live' });
    throw new Errors.hostAlreadyLive(last.id);
  }
  const cooldownMs = deps.policy.startCooldownSec * 1000;
  const waitMs = last ? new Date(last.started_at).getTime() + cooldownMs - Date.now() : 0;
  if (waitMs > 0) {
    metrics.sessionStartRefusals.inc({ reason: 'cooldown' });
    throw Object.assign(new Errors.startCooldown(Math.ceil(waitMs / 1000)), { retryAfterSec: Math.ceil(waitMs / 1000) });
  }
  if (externalRef) {
    const live = await db
      .selectFrom('sessions')
      .select('id')
      .where('external_ref', '=', externalRef)
      .where('status', '=', 'live')
      .executeTakeFirst();
    if (live) {
      metrics.sessionStartRefusals.inc({ reason: 'external_ref_live' });
      throw new Errors.externalRefLive(externalRef, live.id);
    }
  }
}
