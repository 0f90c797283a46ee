import { useRoomContext } from '@livekit/components-react';
import { RoomEvent } from 'livekit-client';
import { useEffect, useState } from 'react';

/**
 * Whether LiveKit says the room is being recorded: golive's recorder joins with LiveKit's
 * recorder grant, so LiveKit sets the room's activeRecording while it is in, and tells every client.
 */
export function useRoomRecording(): boolean {
  const room = useRoomContext();
  const [recording, setRecording] = useState(room.isRecording);
  useEffect(() => {
    setRecording(room.isRecording);
    const onChange = (value: boolean) => setRecording(value);
    room.on(RoomEvent.RecordingStatusChanged, onChange);
    return () => {
      room.off(RoomEvent.RecordingStatusChanged, onChange);
    };
  }, [room]);
  return recording;
}
