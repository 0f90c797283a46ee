import type { Permissions } from '@golive/sdk/protocol';
import { TrackSource, type VideoGrant } from 'livekit-server-sdk';

/**
 * What the caller may do in a session, as the policy decides it: carried in the join answer and
 * the realtime subscribe result so clients never work it out again. The shape is the realtime
 * protocol's, defined once there.
 */
export type { Permissions };
export type PublishSource = Permissions['publishSources'][number];

const NAMES = new Map<TrackSource, PublishSource>([
  [TrackSource.CAMERA, 'camera'],
  [TrackSource.MICROPHONE, 'microphone'],
  [TrackSource.SCREEN_SHARE, 'screen_share'],
  [TrackSource.SCREEN_SHARE_AUDIO, 'screen_share_audio'],
]);

export function publishSourcesOf(grant: VideoGrant): PublishSource[] {
  return (grant.canPublishSources ?? []).flatMap((source) => {
    const name = NAMES.get(source);
    return name ? [name] : [];
  });
}
