import type { TelemetryStatsSource } from '@golive/sdk';
import type { Room } from 'livekit-client';

type WithStats = { getRTCStatsReport(): Promise<RTCStatsReport | undefined> };

/**
 * A LiveKit room's WebRTC stats for MediaTelemetry, through livekit-client's public per-track
 * getRTCStatsReport(): the receivers of every subscribed remote track, and the senders of every
 * published local track (all simulcast layers of a camera are in its sender's report).
 */
export function roomStatsSource(room: Room): TelemetryStatsSource {
  return {
    receivers: () => reportsOf([...room.remoteParticipants.values()].flatMap((p) => [...p.trackPublications.values()].map((t) => t.track))),
    senders: () => reportsOf([...room.localParticipant.trackPublications.values()].map((t) => t.track)),
  };
}

async function reportsOf(tracks: (WithStats | undefined)[]): Promise<RTCStatsReport[]> {
  // A track that went away while being read has no report: the others still count.
  const reports = await Promise.all(tracks.map((track) => track?.getRTCStatsReport().catch(() => undefined)));
  return reports.filter((report): report is RTCStatsReport => report !== undefined);
}
