import { useRemoteParticipants } from '@livekit/components-react';
import { type RemoteVideoTrack, Track } from 'livekit-client';
import { useEffect, useState } from 'react';

/** The LiveKit attribute that marks the host's encoder (server/src/ingest/ingest-participant.ts). */
export const INGEST_FOR_ATTRIBUTE = 'golive.ingestFor';

/** The picture this browser receives from the host's encoder, and its bitrate (null until measured). */
export type EncoderReception = { width: number; height: number; bitrateKbps: number | null };

/**
 * What this browser receives from the host's encoder, read from its WebRTC stats every 2 s.
 * For WHIP it is the only measure there is: the encoder's media goes to LiveKit untouched, and
 * LiveKit reports neither its size nor its bitrate. Mount inside <LiveKitRoom>.
 */
export function useEncoderReception(hostId: string): EncoderReception | null {
  const participants = useRemoteParticipants();
  const encoder = participants.find((p) => p.attributes[INGEST_FOR_ATTRIBUTE] === hostId);
  const [reception, setReception] = useState<EncoderReception | null>(null);
  useEffect(() => {
    if (!encoder) {
      setReception(null);
      return;
    }
    let stopped = false;
    const read = async () => {
      const track = encoder.getTrackPublication(Track.Source.Camera)?.track as RemoteVideoTrack | undefined;
      const stats = await track?.getReceiverStats().catch(() => undefined);
      if (stopped) return;
      setReception(
        track && stats?.frameWidth && stats.frameHeight
          ? {
              width: stats.frameWidth,
              height: stats.frameHeight,
              bitrateKbps: track.currentBitrate > 0 ? Math.round(track.currentBitrate / 1000) : null,
            }
          : null,
      );
    };
    void read();
    const timer = setInterval(() => void read(), 2_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [encoder]);
  return reception;
}
