import { isTrackReference } from '@livekit/components-core';
import { type TrackReference, useTracks, VideoTrack } from '@livekit/components-react';
import { type Participant, Track } from 'livekit-client';
import { INGEST_FOR_ATTRIBUTE } from '../golive/use-encoder-reception.ts';

/**
 * The broadcast stage: the host alone fills the frame; with guests on, everyone is laid out as a
 * grid; a screen share takes the big slot with the cameras in a strip beside it.
 */
export function StageVideo({ hostId, emptyText }: { hostId: string; emptyText: string }) {
  const tracks = useTracks(
    [
      { source: Track.Source.Camera, withPlaceholder: false },
      { source: Track.Source.ScreenShare, withPlaceholder: false },
    ],
    { onlySubscribed: false },
  )
    .filter(isTrackReference)
    .filter((ref) => !ref.publication.isMuted || ref.participant.isLocal);
  const screens = tracks.filter((t) => t.source === Track.Source.ScreenShare);
  const cameras = tracks
    .filter((t) => t.source === Track.Source.Camera)
    .sort((a, b) => Number(isHost(b.participant, hostId)) - Number(isHost(a.participant, hostId)));

  if (tracks.length === 0) {
    return (
      <div className="stage stage-empty" role="status">
        <span className="spinner" aria-hidden="true" />
        {emptyText}
      </div>
    );
  }
  if (screens[0]) {
    return (
      <div className="stage stage-focus">
        <Tile trackRef={screens[0]} main />
        {cameras.length > 0 && (
          <div className="stage-strip">
            {cameras.map((t) => (
              <Tile key={t.publication.trackSid} trackRef={t} />
            ))}
          </div>
        )}
      </div>
    );
  }
  return (
    <div className={`stage stage-grid stage-count-${Math.min(cameras.length, 9)}`}>
      {cameras.map((t, i) => (
        <Tile key={t.publication.trackSid} trackRef={t} main={i === 0} />
      ))}
    </div>
  );
}

/** The host's camera: from the host's browser, or from the host's encoder (OBS over WHIP or RTMP). */
function isHost(participant: Participant, hostId: string): boolean {
  return participant.identity === hostId || participant.attributes[INGEST_FOR_ATTRIBUTE] === hostId;
}

function Tile({ trackRef, main = false }: { trackRef: TrackReference; main?: boolean }) {
  const screen = trackRef.source === Track.Source.ScreenShare;
  const name = trackRef.participant.name || trackRef.participant.identity;
  const label = screen ? `${name}'s screen` : name;
  return (
    <figure
      className={`tile ${screen ? 'tile-screen' : ''}`}
      data-identity={trackRef.participant.identity}
      data-source={screen ? 'screen' : 'camera'}
      data-main={main ? 'true' : undefined}
      aria-label={`Video: ${label}`}
    >
      <VideoTrack trackRef={trackRef} className={trackRef.participant.isLocal && !screen ? 'mirror' : ''} />
      <figcaption className="tile-name">{label}</figcaption>
    </figure>
  );
}
