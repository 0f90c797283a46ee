import { isEqualTrackRef, isTrackReference, type TrackReferenceOrPlaceholder } from '@livekit/components-core';
import {
  CarouselLayout,
  ControlBar,
  FocusLayout,
  FocusLayoutContainer,
  GridLayout,
  LayoutContextProvider,
  ParticipantTile,
  useCreateLayoutContext,
  usePinnedTracks,
  useTracks,
} from '@livekit/components-react';
import { RoomEvent, Track } from 'livekit-client';
import { useEffect, useRef } from 'react';

/**
 * Interactive sessions (meetings): LiveKit's conference layout — a grid of everyone who may
 * publish, a focus view that a screen share takes automatically, and LiveKit's control bar.
 * It is VideoConference without LiveKit's own chat: golive's persisted chat sits beside it.
 */
export function MeetingLayout() {
  const layoutContext = useCreateLayoutContext();
  const lastAutoFocused = useRef<TrackReferenceOrPlaceholder | null>(null);
  const tracks = useTracks(
    [
      { source: Track.Source.Camera, withPlaceholder: true },
      { source: Track.Source.ScreenShare, withPlaceholder: false },
    ],
    { updateOnlyOn: [RoomEvent.ActiveSpeakersChanged, RoomEvent.ParticipantPermissionsChanged], onlySubscribed: false },
    // Viewers in a meeting have no tiles: only people who may publish are shown.
  ).filter((t) => t.participant.isLocal || t.participant.permissions?.canPublish !== false);
  const screenShares = tracks.filter(isTrackReference).filter((t) => t.publication.source === Track.Source.ScreenShare);
  const focusTrack = usePinnedTracks(layoutContext)[0];
  const carouselTracks = tracks.filter((t) => !isEqualTrackRef(t, focusTrack));
  const screenKey = screenShares.map((t) => `${t.publication.trackSid}_${t.publication.isSubscribed}`).join();

  // Like VideoConference: a new screen share is pinned, and unpinned when it stops.
  // biome-ignore lint/correctness/useExhaustiveDependencies: screenKey summarises the screen shares
  useEffect(() => {
    if (screenShares.some((t) => t.publication.isSubscribed || t.participant.isLocal) && lastAutoFocused.current === null) {
      layoutContext.pin.dispatch?.({ msg: 'set_pin', trackReference: screenShares[0] as TrackReferenceOrPlaceholder });
      lastAutoFocused.current = screenShares[0] ?? null;
    } else if (
      lastAutoFocused.current &&
      !screenShares.some((t) => t.publication.trackSid === lastAutoFocused.current?.publication?.trackSid)
    ) {
      layoutContext.pin.dispatch?.({ msg: 'clear_pin' });
      lastAutoFocused.current = null;
    }
  }, [screenKey, focusTrack?.publication?.trackSid]);

  return (
    <div className="lk-video-conference meeting">
      <LayoutContextProvider value={layoutContext}>
        <div className="lk-video-conference-inner">
          {!focusTrack ? (
            <div className="lk-grid-layout-wrapper">
              <GridLayout tracks={tracks}>
                <ParticipantTile />
              </GridLayout>
            </div>
          ) : (
            <div className="lk-focus-layout-wrapper">
              <FocusLayoutContainer>
                <CarouselLayout tracks={carouselTracks}>
                  <ParticipantTile />
                </CarouselLayout>
                <FocusLayout trackRef={focusTrack} />
              </FocusLayoutContainer>
            </div>
          )}
          <ControlBar controls={{ chat: false, leave: false, settings: false }} />
        </div>
      </LayoutContextProvider>
    </div>
  );
}
