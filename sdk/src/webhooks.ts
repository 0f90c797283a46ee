// Events golive sends to the app's backend (docs/events.md): Standard Webhooks 1.0 bodies, and
// their verification with the maintained `standardwebhooks` library.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { IngestProtocol, IngestStatus, ParticipantRole } from './realtime/protocol.ts';

export { WebhookVerificationError };

/** Events name the roles others see: an observer (a hidden admin) is never reported. */
type Role = Exclude<ParticipantRole, 'observer'>;

/** What each event type adds in `data.details`. */
export type WebhookEventDetails = {
  'live.session.started': {
    mode: 'broadcast' | 'interactive';
    visibility: 'public' | 'private';
    externalRef: string | null;
    /** The allowlist given at start (private sessions). */
    participants: string[];
  };
  'live.session.ended': { durationSec: number; peakViewers: number };
  /** The settings that changed, with their new values. */
  'live.session.settings.changed': Record<string, unknown>;
  'live.session.interrupted': { cause: string };
  'live.session.resumed': { roomRecreated: boolean; interruptedSec: number };
  /** `role` and `at` are absent from a leave the reconciler found (reason "reconciled"). */
  'live.participant.joined': { role: string; participantSid: string; at: string };
  'live.participant.left': { participantSid: string; role?: string; at?: string };
  'live.participant.role.changed': { role: Role };
  'live.participant.muted': { kind: string; tracks: string[] };
  'live.participant.kicked': { wasOnStage: boolean };
  'live.participant.banned': { durationSec: number | null };
  'live.participant.unbanned': Record<string, never>;
  'live.stage.requested': Record<string, never>;
  'live.stage.request.approved': { role: Role };
  'live.stage.request.rejected': Record<string, never>;
  'live.stage.request.cancelled': Record<string, never>;
  'live.stage.invited': Record<string, never>;
  'live.stage.invite.accepted': { role: Role };
  'live.stage.invite.declined': Record<string, never>;
  'live.stage.left': { role: Role };
  'live.session.abuse.flagged': { reportId: string; messageId: string | null };
  'live.chat.message.deleted': { messageId: string };
  'live.chat.message.pinned': { messageId: string | null };
  /** The host's encoder (OBS over WHIP or RTMP) started sending; the actor is the host. */
  'live.ingest.started': { ingestId: string; protocol: IngestProtocol; video: IngestStatus['video']; audio: boolean | null };
  /** It stopped (`reason`); `message` only for an error. */
  'live.ingest.stopped': { ingestId: string; protocol: IngestProtocol | null; message?: string };
  /** A recording started (by the host or an admin, or by itself: `auto`, at the first published track). */
  'live.session.recording.started': { recordingId: string; auto: boolean; externalRef: string | null };
  /**
   * A recording is stored and playable. No URL: ask for one with getRecordingPlayback.
   * `interrupted`: its recorder was lost and the file holds what was written up to then.
   */
  'live.session.recording.saved': {
    recordingId: string;
    sessionId: string;
    durationSec: number;
    sizeBytes: number;
    interrupted: boolean;
    externalRef: string | null;
  };
};

export type WebhookEventType = keyof WebhookEventDetails;

/** Every event type, for filters and pickers. */
export const WEBHOOK_EVENT_TYPES = [
  'live.session.started',
  'live.session.ended',
  'live.session.settings.changed',
  'live.session.interrupted',
  'live.session.resumed',
  'live.participant.joined',
  'live.participant.left',
  'live.participant.role.changed',
  'live.participant.muted',
  'live.participant.kicked',
  'live.participant.banned',
  'live.participant.unbanned',
  'live.stage.requested',
  'live.stage.request.approved',
  'live.stage.request.rejected',
  'live.stage.request.cancelled',
  'live.stage.invited',
  'live.stage.invite.accepted',
  'live.stage.invite.declined',
  'live.stage.left',
  'live.session.abuse.flagged',
  'live.chat.message.deleted',
  'live.chat.message.pinned',
  'live.ingest.started',
  'live.ingest.stopped',
  'live.session.recording.started',
  'live.session.recording.saved',
] as const satisfies readonly WebhookEventType[];

/** The session as it was when the event was recorded. */
export type WebhookSession = {
  id: string;
  externalRef: string | null;
  title: string;
  host: { id: string; name: string };
  status: 'live' | 'ended';
  visibility: 'public' | 'private';
  mode: 'broadcast' | 'interactive';
};

export type WebhookEventData<D> = {
  /** The audit log entry (GET /v1/sessions/{id}/events); webhook-id is `evt_<eventId>`. */
  eventId: string;
  /** 1, 2, 3, … per session in commit order: order a session's events by it. */
  sequence: number;
  session: WebhookSession;
  /** Who acted: a user id, "service" (the app's API key) or "system". */
  actor: { id: string } | null;
  /** Whom it was done to (a participant, a reported user), when anyone. */
  target: { id: string } | null;
  reason: string | null;
  details: D;
};

/** The body of a delivery: `{type, timestamp, data}`, narrowed by `type`. */
export type WebhookEvent<T extends WebhookEventType = WebhookEventType> = {
  [K in T]: { type: K; timestamp: string; data: WebhookEventData<WebhookEventDetails[K]> };
}[T];

/** Headers as Node (IncomingHttpHeaders), fetch (Headers) or a plain object carries them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Checks a delivery's signature (on the raw body: a string, or bytes such as a Node Buffer) (any one of `webhook-signature` during a secret rotation) and
 * timestamp (within 5 minutes) on the raw body, and returns the parsed event. Throws
 * WebhookVerificationError when it does not verify: answer 400 and do not act on it. Deduplicate
 * by `webhook-id`: a retry or a replay sends the same id again.
 */
export function verifyWebhook(body: string | Uint8Array, headers: WebhookHeaders, secret: string): WebhookEvent {
  const flat: Record<string, string> = {};
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    headers.forEach((value, key) => {
      flat[key] = value;
    });
  } else {
    for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
      if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
    }
  }
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  return new Webhook(secret).verify(text, flat) as WebhookEvent;
}
