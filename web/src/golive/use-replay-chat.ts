import { type ChatReplay, prepareReplay, type ReplayChatInput, type ReplayView, replayAt } from '@golive/sdk';
import { type RefObject, useEffect, useMemo, useState } from 'react';

const EVENTS = ['timeupdate', 'seeking', 'seeked', 'loadedmetadata', 'emptied'] as const;

/**
 * The chat as it was at the player's current time: follows playback (timeupdate) and every seek,
 * backwards too. The logic is the SDK's (replayAt); this only reads the <video>'s clock.
 */
export function useReplayChat(videoRef: RefObject<HTMLVideoElement | null>, chat: ReplayChatInput | undefined): ReplayView | null {
  const replay = useMemo<ChatReplay | null>(() => (chat ? prepareReplay(chat) : null), [chat]);
  const [view, setView] = useState<ReplayView | null>(null);
  useEffect(() => {
    const video = videoRef.current;
    if (!replay || !video) return;
    // Deleted messages stay as a "deleted" line after their deletion, as moderators saw them go.
    const update = () => setView((previous) => replayAt(replay, video.currentTime * 1000, { deleted: 'marked' }, previous ?? undefined));
    update();
    for (const event of EVENTS) video.addEventListener(event, update);
    return () => {
      for (const event of EVENTS) video.removeEventListener(event, update);
    };
  }, [videoRef, replay]);
  return view;
}
