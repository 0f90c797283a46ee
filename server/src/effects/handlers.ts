import type { LivekitAdapter } from '../adapters/livekit.ts';
import { INGEST_KEY_ATTRIBUTE } from '../ingest/ingest-participant.ts';
import type { SessionBroadcaster } from '../realtime/session-broadcaster.ts';
import { participantState } from '../sessions/grants.ts';
import type { EffectOf } from './effect.ts';
import type { EffectHandlers, EffectRun } from './effect-runner.ts';

/** What the recording effects do; the worker side of recordings implements them. */
export type RecordingEffects = {
  start(effect: EffectOf<'recording.start'>): Promise<unknown>;
  stop(effect: EffectOf<'recording.stop'>): Promise<unknown>;
  deleteFiles(effect: EffectOf<'recording.files.delete'>): Promise<unknown>;
};

/**
 * What each effect does. Every one is idempotent: LiveKit commands on a participant or room that
 * is already gone succeed, and a repeated push is one the client has already applied.
 */
export function createEffectHandlers(deps: {
  livekit: LivekitAdapter;
  broadcaster: SessionBroadcaster;
  /** The session.expire job (SessionsService.expire). */
  expireSession: (sessionId: string) => Promise<{ deferUntil: Date } | undefined>;
  /** The presence.peak.rederive job (presence.ts rederivePeak in a unit of work). */
  rederivePeak: (sessionId: string) => Promise<void>;
  /** One webhook to the app (webhooks-out/delivery.handler.ts). */
  deliverWebhook: (effect: EffectOf<'webhook.deliver'>, run: EffectRun) => Promise<void>;
  /** The recording effects (recordings/recordings.worker.ts). */
  recordings: RecordingEffects;
}): EffectHandlers {
  const { livekit, broadcaster, expireSession, rederivePeak, deliverWebhook, recordings } = deps;
  return {
    'livekit.participant.update': async (e) => {
      // Not connected: the next join carries the role in its token.
      await livekit.updateParticipant(e.sessionId, e.identity, participantState(e.role, e.sessionId, e.guestCanPublish));
    },
    'livekit.participant.remove': async (e) => {
      await livekit.removeParticipant(
        e.sessionId,
        e.identity,
        e.revokeBefore ? { revokeTokensIssuedBefore: new Date(e.revokeBefore) } : {},
      );
    },
    'ingest.participant.remove': async (e) => {
      const participant = await livekit.getParticipant(e.sessionId, e.identity);
      if (!participant || (e.keepKeyId !== null && participant.attributes[INGEST_KEY_ATTRIBUTE] === e.keepKeyId)) return;
      await livekit.removeParticipant(e.sessionId, e.identity);
    },
    'livekit.track.mute': async (e) => {
      await livekit.mutePublishedTrack(e.sessionId, e.identity, e.trackSid);
    },
    'livekit.room.delete': async (e) => {
      await livekit.deleteRoom(e.sessionId);
    },
    'realtime.removed': async (e) => broadcaster.removed(e.sessionId, e.userId, e.reason, e.message),
    'realtime.role': async (e) => broadcaster.participantRole(e.sessionId, e.userId, e.role),
    'realtime.stage.request': async (e) => broadcaster.stageRequest(e.request),
    'realtime.settings': async (e) => broadcaster.settingsChanged(e.sessionId, e.settings),
    'realtime.chat.deleted': async (e) => broadcaster.chatDeleted(e.sessionId, e.messageId),
    'realtime.chat.pinned': async (e) => broadcaster.chatPinned(e.sessionId, e.message),
    'realtime.session.ended': async (e) => broadcaster.sessionEnded({ sessionId: e.sessionId, reason: e.reason, endedAt: e.endedAt }),
    'realtime.recording': async (e) =>
      e.recording ? broadcaster.recordingStarted(e.sessionId, e.recording) : broadcaster.recordingStopped(e.sessionId, e.recordingId),
    'livekit.room.metadata': async (e) => {
      // The same document as the room was created with (sessions.service roomOptions), plus the flag.
      await livekit.updateRoomMetadata(e.sessionId, JSON.stringify({ sessionId: e.sessionId, mode: e.mode, recording: e.recording }));
    },
    'realtime.ingest': async (e) => broadcaster.ingestStatus(e.sessionId, e.ingest),
    'realtime.feed.live': async (e) => broadcaster.feedSessionLive(e.session),
    'realtime.feed.ended': async (e) => broadcaster.feedSessionEnded(e),
    'session.expire': async (e) => expireSession(e.sessionId),
    'presence.peak.rederive': async (e) => rederivePeak(e.sessionId),
    'webhook.deliver': async (e, run) => deliverWebhook(e, run),
    'recording.start': async (e) => recordings.start(e),
    'recording.stop': async (e) => recordings.stop(e),
    'recording.files.delete': async (e) => recordings.deleteFiles(e),
  };
}
