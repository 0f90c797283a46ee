// What a connected socket keeps, on a real Socket.IO server and the SDK's real client: the
// upgrade request must become garbage, or each idle viewer keeps ~2 KB more.
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { REALTIME_PATH } from '@golive/sdk/protocol';
import { Server, type Socket } from 'socket.io';
import { GoliveRealtime } from '../../../sdk/src/realtime/realtime-client.ts';
import { eventually } from '../../test/harness.ts';
import { forgetHandshakeDetails, LEAN_ENGINE_OPTIONS, releaseUpgradeRequests } from './lean-sockets.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Probe = { http: HttpServer; io: Server; client: GoliveRealtime; socket: Socket; request: WeakRef<object> };

/** A Socket.IO server with golive's engine options and one connected client. */
async function connectOne(lean: boolean): Promise<Probe> {
  const http = createServer();
  const io = new Server(http, { path: REALTIME_PATH, ...LEAN_ENGINE_OPTIONS });
  const release = lean ? releaseUpgradeRequests(io) : null;
  let request: WeakRef<object> | undefined;
  io.engine.on('connection', (raw: { request: object }) => {
    request = new WeakRef(raw.request);
  });
  const connected = new Promise<Socket>((resolve) =>
    io.on('connection', (socket) => {
      if (lean) {
        release?.(socket);
        forgetHandshakeDetails(socket);
      }
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const client = new GoliveRealtime({ baseUrl: `http://127.0.0.1:${port}`, token: 'a-user-jwt' });
  await client.connect();
  const socket = await connected;
  if (!request) throw new Error('Engine.IO announced no connection');
  return { http, io, client, socket, request };
}

const garbageCollected = (ref: WeakRef<object>) =>
  eventually(
    () => {
      gc();
      return ref.deref() === undefined;
    },
    { timeoutMs: 3_000, what: 'the upgrade request to be garbage-collected' },
  );

describe('lean sockets', () => {
  const probes: Probe[] = [];
  after(async () => {
    for (const { client, io } of probes) {
      client.close();
      await io.close();
    }
  });

  it('lets the upgrade request be collected once the socket is connected, and forgets the credentials', async () => {
    const probe = await connectOne(true);
    probes.push(probe);
    await garbageCollected(probe.request);
    assert.deepEqual(probe.socket.handshake.auth, {}, 'the token the client sent is no longer kept');
    assert.deepEqual(probe.socket.handshake.headers, {});
    assert.equal(probe.socket.connected, true);
  });

  it('keeps the request without it (what the test above would miss if Engine.IO changed)', async () => {
    const probe = await connectOne(false);
    probes.push(probe);
    await assert.rejects(garbageCollected(probe.request), /timed out/);
    assert.deepEqual(probe.socket.handshake.auth, { token: 'a-user-jwt' });
  });
});
