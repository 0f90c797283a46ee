import type { Server, ServerOptions, Socket } from 'socket.io';

/**
 * What every idle viewer costs is mostly Socket.IO's, Engine.IO's and ws' per-connection objects;
 * these keep golive's part of it small (docs/scaling.md, "Realtime memory per viewer").
 */
export const LEAN_ENGINE_OPTIONS = {
  transports: ['websocket'],
  // Off by default in Engine.IO 6, and kept off: permessage-deflate keeps zlib contexts per
  // socket (hundreds of KB with zlib's default window), for chat lines of ~100 bytes.
  perMessageDeflate: false,
  httpCompression: false,
  // WebSocket from the first request: there is no transport to upgrade from.
  allowUpgrades: false,
  serveClient: false,
  maxHttpBufferSize: 16 * 1024,
} satisfies Partial<ServerOptions>;

type Releasable = { req: unknown };

/**
 * Engine.IO keeps each connection's HTTP upgrade request (~2.2 KB with its headers) for the
 * connection's lifetime, in two places: the Engine.IO socket's `request`, and the response
 * stand-in it gives middlewares, which a 'close' listener on the TCP socket keeps. Socket.IO
 * reads the request once, to build `socket.handshake`; golive never reads it after that. The
 * returned function drops both references: call it once the socket is connected. Afterwards
 * `socket.request` is null (handshake.headers, .url and .query stay).
 */
export function releaseUpgradeRequests(io: Server): (socket: Socket) => void {
  const responses = new WeakMap<object, Releasable>();
  io.engine.use((req: object, res: object, next: () => void) => {
    responses.set(req, res as Releasable);
    next();
  });
  return (socket) => {
    const conn = socket.conn as unknown as { request: object | null };
    const request = conn.request;
    if (!request) return;
    const response = responses.get(request);
    if (response) response.req = null;
    responses.delete(request);
    conn.request = null;
  };
}

/**
 * The handshake keeps the credentials and every request header the client sent; once the
 * credentials are checked, golive needs neither (its address, time and query stay).
 */
export function forgetHandshakeDetails(socket: Socket): void {
  socket.handshake.auth = {};
  socket.handshake.headers = {};
}
