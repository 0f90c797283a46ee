import {
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
  TrackSource,
  type VideoFrame,
  VideoStream,
} from '@livekit/rtc-node';
import { ROLE_ATTRIBUTE } from '../sessions/grants.ts';
import { AudioMix } from './recorder-audio.ts';
import { AUDIO_CHANNELS, AUDIO_SAMPLE_RATE } from './recorder-ffmpeg.ts';
import type { StageVideoSource } from './recorder-layout.ts';

/** One subscribed camera or screen share: its latest decoded picture, and whether it is new. */
export type VideoSource = StageVideoSource & {
  identity: string;
  latest: VideoFrame | null;
  fresh: boolean;
  muted: boolean;
  cancel: () => void;
};

/**
 * 50 ms audio frames: a tenth of the FFI events of rtc-node's default 10 ms (each costs a
 * native-to-JS hop), for about 50 ms more audio latency, which a recording does not feel.
 */
const AUDIO_FRAME_MS = 50;

/**
 * What the recorder sees of the room: every subscribed video with its latest frame, every audio
 * track feeding the mix, kept up to date as tracks and participants come, go, mute and change role.
 */
export class StageSources {
  readonly videos = new Map<string, VideoSource>();
  readonly audio = new AudioMix({ sampleRate: AUDIO_SAMPLE_RATE, primeMs: 2 * AUDIO_FRAME_MS, maxQueueMs: 8 * AUDIO_FRAME_MS });
  /** Set when the set of videos, their mute state or the host changed: the layout is due again. */
  layoutDirty = true;
  readonly #audioReaders = new Map<string, () => void>();
  /** Track sids by participant, so a participant leaving takes all its tracks with it. */
  readonly #tracksOf = new Map<string, Set<string>>();
  #closed = false;

  /** Listens to the room (before it connects, so tracks already published are seen too). */
  attach(room: Room): void {
    room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.#subscribed(track, publication, participant));
    room.on(RoomEvent.TrackUnsubscribed, (_track, publication) => this.#unsubscribed(publication.sid ?? ''));
    room.on(RoomEvent.ParticipantDisconnected, (participant) => {
      for (const sid of this.#tracksOf.get(participant.identity) ?? []) this.#unsubscribed(sid);
      this.#tracksOf.delete(participant.identity);
    });
    room.on(RoomEvent.TrackMuted, (publication) => this.#setMuted(publication.sid ?? '', true));
    room.on(RoomEvent.TrackUnmuted, (publication) => this.#setMuted(publication.sid ?? '', false));
    room.on(RoomEvent.ParticipantAttributesChanged, (_changed, participant) => {
      for (const video of this.videos.values()) {
        if (video.identity === participant.identity) video.isHost = participant.attributes[ROLE_ATTRIBUTE] === 'host';
      }
      this.layoutDirty = true;
    });
  }

  /** Stops reading every track. */
  close(): void {
    this.#closed = true;
    for (const video of this.videos.values()) video.cancel();
    for (const cancel of this.#audioReaders.values()) cancel();
  }

  #subscribed(track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void {
    const sid = publication.sid;
    if (!sid || this.#closed || this.videos.has(sid) || this.#audioReaders.has(sid)) return;
    const tracks = this.#tracksOf.get(participant.identity) ?? new Set<string>();
    this.#tracksOf.set(participant.identity, tracks.add(sid));
    if (track.kind === TrackKind.KIND_VIDEO) {
      const reader = new VideoStream(track).getReader();
      const source: VideoSource = {
        id: sid,
        kind: publication.source === TrackSource.SOURCE_SCREENSHARE ? 'screen' : 'camera',
        identity: participant.identity,
        isHost: participant.attributes[ROLE_ATTRIBUTE] === 'host',
        latest: null,
        fresh: false,
        muted: publication.muted ?? false,
        cancel: () => void reader.cancel().catch(() => {}),
      };
      this.videos.set(sid, source);
      this.layoutDirty = true;
      void (async () => {
        for (;;) {
          const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
          if (next.done) return;
          source.latest = next.value.frame;
          source.fresh = true;
        }
      })();
    } else if (track.kind === TrackKind.KIND_AUDIO) {
      const reader = new AudioStream(track, {
        sampleRate: AUDIO_SAMPLE_RATE,
        numChannels: AUDIO_CHANNELS,
        frameSizeMs: AUDIO_FRAME_MS,
      }).getReader();
      this.audio.add(sid);
      this.#audioReaders.set(sid, () => void reader.cancel().catch(() => {}));
      void (async () => {
        for (;;) {
          const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
          if (next.done) return;
          this.audio.push(sid, next.value.data);
        }
      })();
    }
  }

  #unsubscribed(sid: string): void {
    const video = this.videos.get(sid);
    if (video) {
      video.cancel();
      this.videos.delete(sid);
      this.layoutDirty = true;
    }
    this.#audioReaders.get(sid)?.();
    this.#audioReaders.delete(sid);
    this.audio.remove(sid);
  }

  #setMuted(sid: string, muted: boolean): void {
    const video = this.videos.get(sid);
    if (video && video.muted !== muted) {
      video.muted = muted;
      this.layoutDirty = true;
    }
  }
}
