// Types for the two protocol modules golive uses from node-media-server (JavaScript, no types of
// its own): the RTMP handshake, chunk stream and AMF commands, and FLV tags. Pinned to 4.4.3
// in server/package.json, because these are its internal modules rather than its public API.

declare module 'node-media-server/src/core/avpacket.js' {
  /** One media message: flags 0 audio header, 1 audio, 2 video header, 3 key frame, 4 video, 5 metadata. */
  export default class AVPacket {
    codec_id: number;
    codec_type: number;
    flags: number;
    pts: number;
    dts: number;
    size: number;
    data: Buffer;
  }
}

declare module 'node-media-server/src/protocol/rtmp.js' {
  import type AVPacket from 'node-media-server/src/core/avpacket.js';

  /** The server side of one RTMP connection: feed it the socket's bytes, write out what it outputs. */
  export default class Rtmp {
    streamId: number;
    streamApp: string;
    streamName: string;
    onConnectCallback: (req: { app: string; name: string; host: string; query: Record<string, unknown> }) => void;
    onPlayCallback: () => void;
    onPushCallback: () => void;
    onPacketCallback: (packet: AVPacket) => void;
    onOutputCallback: (buffer: Buffer) => void;
    /** Returns an error message when the bytes are not valid RTMP, else null. */
    parserData(buffer: Buffer): string | null;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
  }
}

declare module 'node-media-server/src/protocol/flv.js' {
  import type AVPacket from 'node-media-server/src/core/avpacket.js';

  const Flv: {
    createHeader(hasAudio: boolean, hasVideo: boolean): Buffer;
    /** The FLV tag (with its trailing previous-tag-size) for one packet. */
    createMessage(packet: AVPacket): Buffer;
  };
  export default Flv;
}
