import type { ChatMessage, IngestStatus, RecordingState, StageRequest } from '@golive/sdk/protocol';
import type { ParticipantRole, PublishPermissions } from '../sessions/grants.ts';
import type { SessionView } from '../sessions/sessions.presenter.ts';
import type { SessionSettings } from '../sessions/settings.ts';

/**
 * Something that must happen after a change commits: a LiveKit command, a realtime push, a
 * scheduled job. Recorded in the outbox in the change's own transaction, then carried out at once
 * by the instance that committed and, failing that, by any worker. Every handler is idempotent,
 * so a retried effect is harmless.
 */
export type Effect =
  /** Gives the participant the grants and role attribute of `role`, in place (no reconnect). */
  | { kind: 'livekit.participant.update'; sessionId: string; identity: string; role: ParticipantRole; guestCanPublish: PublishPermissions }
  /** Disconnects the participant; `revokeBefore` asks LiveKit to refuse older tokens where it can. */
  | { kind: 'livekit.participant.remove'; sessionId: string; identity: string; revokeBefore?: string }
  | { kind: 'livekit.track.mute'; sessionId: string; identity: string; trackSid: string }
  /**
   * Disconnects the host's ingest participant unless it publishes with the key generation
   * `keepKeyId` (null: whatever it publishes with): a rotated key's publish ends, a new key's stays.
   */
  | { kind: 'ingest.participant.remove'; sessionId: string; identity: string; keepKeyId: string | null }
  | { kind: 'livekit.room.delete'; sessionId: string }
  | { kind: 'realtime.removed'; sessionId: string; userId: string; reason: 'kicked' | 'banned'; message: string | null }
  | { kind: 'realtime.role'; sessionId: string; userId: string; role: ParticipantRole }
  | { kind: 'realtime.stage.request'; sessionId: string; request: StageRequest }
  | { kind: 'realtime.settings'; sessionId: string; settings: SessionSettings }
  | { kind: 'realtime.chat.deleted'; sessionId: string; messageId: string }
  | { kind: 'realtime.chat.pinned'; sessionId: string; message: ChatMessage | null }
  | { kind: 'realtime.session.ended'; sessionId: string; reason: string; endedAt: string }
  /** The ingest's new state (null: deleted), to the host and admins subscribed. */
  | { kind: 'realtime.ingest'; sessionId: string; ingest: IngestStatus | null }
  /** The sessions feed (Browse): to every watcher for a public session, to admins for a private one. */
  | { kind: 'realtime.feed.live'; sessionId: string; session: SessionView }
  | { kind: 'realtime.feed.ended'; sessionId: string; visibility: 'public' | 'private'; endedAt: string }
  /** Runs the recording's recorder, on an instance with the worker role (recordings/recordings.worker.ts). */
  | { kind: 'recording.start'; sessionId: string; recordingId: string }
  /** Stops the recorder at once where this instance runs it; the recorder's own worker notices the stop anyway. */
  | { kind: 'recording.stop'; sessionId: string; recordingId: string }
  /** Consent: a recording started (recording) or stopped (null), to everyone subscribed. */
  | { kind: 'realtime.recording'; sessionId: string; recordingId: string; recording: RecordingState | null }
  /** The LiveKit room's metadata says whether the session is being recorded (every client sees room.metadata). */
  | { kind: 'livekit.room.metadata'; sessionId: string; mode: string; recording: boolean }
  /** Removes a deleted recording's files from storage. */
  | { kind: 'recording.files.delete'; sessionId: string; recordingId: string }
  /** Ends the session at its max duration; scheduled at start, due at the deadline. */
  | { kind: 'session.expire'; sessionId: string; runAt: string }
  /** Re-derives the peak from every connection interval after edges arrived out of order. */
  | { kind: 'presence.peak.rederive'; sessionId: string; runAt: string }
  /**
   * Sends one audit event to one of the app's webhook endpoints (webhooks-out/). Written by the
   * change's own events statement (events/events.repository.ts), or by a replay.
   */
  | { kind: 'webhook.deliver'; endpointId: string; eventId: string; sessionId: string; eventType: string; replay?: boolean };

export type EffectKind = Effect['kind'];
export type EffectOf<K extends EffectKind> = Extract<Effect, { kind: K }>;

/**
 * Effects with the same key run one at a time, in commit order: a participant's grant changes
 * and removal apply in the order they were decided, and a session's pushes arrive in order.
 */
export function orderingKeyOf(effect: Effect): string | null {
  switch (effect.kind) {
    case 'livekit.participant.update':
    case 'livekit.participant.remove':
    case 'livekit.track.mute':
    case 'ingest.participant.remove':
      return `livekit:${effect.sessionId}:${effect.identity}`;
    case 'livekit.room.delete':
    case 'session.expire':
    case 'presence.peak.rederive':
      return null;
    case 'livekit.room.metadata':
      return `livekit-room:${effect.sessionId}`;
    case 'recording.start':
    case 'recording.stop':
    case 'recording.files.delete':
      return `recording:${effect.recordingId}`;
    case 'webhook.deliver':
      return webhookOrderingKey(effect.endpointId, effect.sessionId);
    default:
      return `realtime:${effect.sessionId}`;
  }
}

/** Per endpoint, a session's events are delivered one at a time, in sequence. */
export function webhookOrderingKey(endpointId: string, sessionId: string): string {
  return `webhook:${endpointId}:${sessionId}`;
}

/** When an effect becomes due: at once, unless it is scheduled. */
export function runAtOf(effect: Effect): Date | null {
  return effect.kind === 'session.expire' || effect.kind === 'presence.peak.rederive' ? new Date(effect.runAt) : null;
}

/** Exponential backoff up to maxAttempts, or a fixed schedule: the delay before each retry. */
export type BackoffPolicy = { maxAttempts: number; baseMs: number; capMs: number };
export type RetryPolicy = BackoffPolicy | { scheduleMs: readonly number[] };

/**
 * LiveKit commands outlast a LiveKit restart or outage of several minutes; pushes are short-lived
 * news; webhook deliveries follow their configured schedule (`overrides`, from the config).
 */
export function retryPolicyOf(kind: EffectKind, overrides: Partial<Record<EffectKind, RetryPolicy>> = {}): RetryPolicy {
  const override = overrides[kind];
  if (override) return override;
  if (kind.startsWith('realtime.')) return { maxAttempts: 5, baseMs: 200, capMs: 5_000 };
  return { maxAttempts: 30, baseMs: 500, capMs: 60_000 };
}

/** How long to wait after failed attempt number `attempt` (1-based), or null when it was the last. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number | null {
  if ('scheduleMs' in policy) return policy.scheduleMs[attempt - 1] ?? null;
  return attempt >= policy.maxAttempts ? null : backoffMs(policy, attempt, random);
}

/**
 * A handler's failure that says itself when to try again: `retryAt` (a receiver's Retry-After, a
 * delivery that logs its next attempt), or null to give up now (an endpoint that answered 410).
 */
export class EffectFailure extends Error {
  readonly retryAt: Date | null;
  constructor(message: string, retryAt: Date | null) {
    super(message);
    this.name = 'EffectFailure';
    this.retryAt = retryAt;
  }
}

/**
 * Exponential backoff with equal jitter: half the delay is fixed, half random, so retries of many
 * effects after one outage spread out instead of arriving together.
 */
export function backoffMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
