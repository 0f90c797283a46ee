import { useGoliveSession } from '@golive/react';
import { type ConnectionPhase, MediaTelemetry } from '@golive/sdk';
import { useRoomContext } from '@livekit/components-react';
import { ConnectionState, RoomEvent } from 'livekit-client';
import { useLayoutEffect } from 'react';
import { useAuth } from '../golive/auth.tsx';
import { roomStatsSource } from './room-stats.ts';

const PHASE = {
  [ConnectionState.Connecting]: 'connecting',
  [ConnectionState.Connected]: 'connected',
  [ConnectionState.Reconnecting]: 'reconnecting',
  [ConnectionState.SignalReconnecting]: 'signalReconnecting',
  [ConnectionState.Disconnected]: 'disconnected',
} satisfies Record<ConnectionState, ConnectionPhase>;

/**
 * Sends this page's WebRTC stats to golive every 10 s while its LiveKit room is mounted, watching
 * or publishing (docs/operations.md, client telemetry). Mount it inside <LiveKitRoom>. A layout
 * effect, because <LiveKitRoom> connects and disconnects in passive effects: this one is set up
 * before the first connection attempt, and its cleanup reads the last interval's stats before the
 * room disconnects (when the live ends or the page is left).
 */
export function useMediaTelemetry(): void {
  const room = useRoomContext();
  const { client } = useAuth();
  const sessionId = useGoliveSession().session?.id ?? null;

  useLayoutEffect(() => {
    if (!sessionId) return;
    const telemetry = new MediaTelemetry({
      source: roomStatsSource(room),
      send: (report) => client.sendTelemetry(sessionId, report),
      // Telemetry never disturbs the page; a refused report (rate limit, session over) is dropped.
      onError: (error) => console.debug('golive telemetry:', error),
    });
    const onState = (state: ConnectionState) => telemetry.connection(PHASE[state]);
    room.on(RoomEvent.ConnectionStateChanged, onState);
    onState(room.state);
    telemetry.start();
    return () => {
      room.off(RoomEvent.ConnectionStateChanged, onState);
      // The last partial interval (a closed tab sends none: telemetry is best effort).
      void telemetry.stop();
    };
  }, [room, client, sessionId]);
}
