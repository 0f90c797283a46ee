import { TrackType, type WebhookEvent } from 'livekit-server-sdk';
import type { WorkContext } from '../work/unit-of-work.ts';
import { type IngestObservation, observeIngest, readIngest } from './ingest.repository.ts';
import { hostOfIngestIdentity, INGEST_ATTRIBUTE, INGEST_KEY_ATTRIBUTE } from './ingest-participant.ts';

const INGEST_EVENTS = new Set(['participant_joined', 'participant_left', 'participant_connection_aborted', 'track_published']);

/** A LiveKit event about the host's ingest participant: its joins and leaves, and its tracks. */
export function isIngestEvent(event: WebhookEvent): boolean {
  return INGEST_EVENTS.has(event.event) && hostOfIngestIdentity(event.participant?.identity ?? '') !== null;
}

/**
 * What LiveKit's webhooks say about the ingest participant, inside the webhook group's unit of
 * work (the session row locked):
 * - every join is checked against the ingest's current key generation, as bans are: a publish
 *   that began with a rotated-out key, or after the ingest was deleted, is removed;
 * - for WHIP, whose media golive never sees, a published track means receiving and a leave
 *   means stopped. RTMP's state comes from golive's own relay.
 * LiveKit's track events carry the participant without its attributes, so the WHIP connection
 * that joined with the current key is remembered by its sid.
 */
export async function applyIngestEvents(w: WorkContext, events: readonly WebhookEvent[]): Promise<void> {
  const sessionId = w.facts.row.id;
  for (const event of events) {
    const participant = event.participant;
    if (!participant) continue;
    const ingest = await readIngest(w.trx, sessionId);
    const current = ingest?.key_id ?? null;
    const attributes = participant.attributes ?? {};
    if (event.event === 'participant_joined') {
      if (attributes[INGEST_KEY_ATTRIBUTE] !== current) {
        w.effect({ kind: 'ingest.participant.remove', sessionId, identity: participant.identity, keepKeyId: current });
      } else if (ingest && attributes[INGEST_ATTRIBUTE] === 'whip') {
        await w.trx.updateTable('ingests').set({ participant_sid: participant.sid }).where('id', '=', ingest.id).execute();
      }
      continue;
    }
    if (!ingest || !current || !participant.sid || participant.sid !== ingest.participant_sid) continue;
    const seen = observationOf(event);
    if (seen) await observeIngest(w, { ingestId: ingest.id, keyId: current }, seen);
  }
}

/**
 * LiveKit 1.13.5 reports neither the size nor the bitrate of a WHIP publish (its track info has
 * width and height 0, and its layer a bitrate of 0), so WHIP's receiving status says that
 * picture and sound arrive, not their size; the web app shows what the host's browser receives.
 */
function observationOf(event: WebhookEvent): IngestObservation | null {
  const participantSid = event.participant?.sid;
  if (event.event === 'track_published') {
    const track = event.track;
    if (!track) return null;
    if (track.type === TrackType.AUDIO) return { kind: 'receiving', protocol: 'whip', audio: true, participantSid };
    const sized = track.width > 0 && track.height > 0;
    const video = { width: sized ? track.width : null, height: sized ? track.height : null, fps: null };
    return { kind: 'receiving', protocol: 'whip', video, participantSid };
  }
  return { kind: 'stopped', protocol: 'whip', reason: 'encoder_disconnected', message: null, participantSid };
}
