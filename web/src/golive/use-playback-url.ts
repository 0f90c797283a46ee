import { useQuery } from '@tanstack/react-query';
import { type RefObject, useEffect } from 'react';
import { useAuth } from './auth.tsx';

/** Ask for a fresh signed URL this long before the current one expires. */
const REFRESH_BEFORE_MS = 60_000;

/**
 * The recording's signed playback URL, asked for again before it expires (the player keeps
 * reading the file by Range requests as it plays and seeks, so an expired URL would stall it).
 */
export function usePlaybackUrl(recordingId: string) {
  const { client } = useAuth();
  return useQuery({
    queryKey: ['recordings', recordingId, 'playback'],
    queryFn: ({ signal }) => client.getRecordingPlayback(recordingId, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    refetchInterval: (query) => {
      const expiresAt = query.state.data ? Date.parse(query.state.data.expiresAt) : Number.NaN;
      if (Number.isNaN(expiresAt)) return false;
      return Math.max(5_000, expiresAt - Date.now() - REFRESH_BEFORE_MS);
    },
  });
}

/**
 * Points the <video> at url, and when a refreshed URL replaces it mid-play, keeps the position
 * and whether it was playing (a new src starts the element over).
 */
export function useSignedSource(videoRef: RefObject<HTMLVideoElement | null>, url: string | undefined): void {
  useEffect(() => {
    const video = videoRef.current;
    if (!video || !url || video.src === url) return;
    const fresh = !video.currentSrc;
    const at = video.currentTime;
    const playing = !video.paused && !video.ended;
    video.src = url;
    if (fresh) return;
    const resume = () => {
      video.currentTime = at;
      if (playing) void video.play().catch(() => undefined);
    };
    video.addEventListener('loadedmetadata', resume, { once: true });
    return () => video.removeEventListener('loadedmetadata', resume);
  }, [videoRef, url]);
}
