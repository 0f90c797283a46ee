import { useMediaTelemetry } from '../telemetry/use-media-telemetry.ts';

/** Inside <LiveKitRoom>: reports this page's WebRTC stats to golive while it is open. */
export function MediaTelemetry() {
  useMediaTelemetry();
  return null;
}
