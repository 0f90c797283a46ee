// The embedded livekit-server's start-up against a real binary: a port taken between golive's
// pick and the child's bind is given up for fresh ones, and a port that another livekit-server
// already answers on is refused instead of adopted with keys that server does not know.
import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { RoomServiceClient } from 'livekit-server-sdk';
import pino from 'pino';
import { livekitBinary } from '../../test/harness.ts';
import { freeTcpPort, freeUdpPort, LocalLivekitServer } from './livekit-process.ts';

const WEBHOOK_URL = 'http://127.0.0.1:9/v1/livekit/webhook';

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('the embedded livekit-server starts on ports it owns', () => {
  const servers: LocalLivekitServer[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
  });

  it('a port taken after it was picked is given up, and the start goes on with fresh ones', async () => {
    // Connections are dropped at once, so closing it does not wait on golive's probes.
    const taken = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    let picks = 0;
    const { logger, lines } = capturingLogger();
    const server = new LocalLivekitServer({
      binary: livekitBinary(),
      port: 0,
      webhookUrl: WEBHOOK_URL,
      logger,
      // The first pick is a port something else now listens on, as when another process wins the race.
      ports: { tcp: async () => (picks++ === 0 ? takenPort : freeTcpPort()), udp: freeUdpPort },
    });
    servers.push(server);
    try {
      const endpoint = await server.start();
      assert.notEqual(new URL(endpoint.apiUrl).port, String(takenPort));
      const rooms = new RoomServiceClient(endpoint.apiUrl, endpoint.apiKey, endpoint.apiSecret);
      assert.deepEqual(await rooms.listRooms(), [], 'the server golive started answers with its keys');
      const retried = lines.filter((l) => l.msg.includes('trying fresh ones'));
      assert.equal(retried.length, 1, JSON.stringify(lines));
      assert.equal(picks, 2);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a fixed port another livekit-server answers on is refused, with the reason', async () => {
    const first = new LocalLivekitServer({ binary: livekitBinary(), port: 0, webhookUrl: WEBHOOK_URL, logger: pino({ level: 'silent' }) });
    servers.push(first);
    const running = await first.start();
    const port = Number(new URL(running.apiUrl).port);
    const second = new LocalLivekitServer({ binary: livekitBinary(), port, webhookUrl: WEBHOOK_URL, logger: pino({ level: 'silent' }) });
    servers.push(second);
    await assert.rejects(second.start(), (error: Error) => {
      assert.match(error.message, new RegExp(`another server answers on http://127.0.0.1:${port}|port ${port} .*was taken`));
      return true;
    });
    assert.equal(second.pid, null, 'the second child is not left running');
    const rooms = new RoomServiceClient(running.apiUrl, running.apiKey, running.apiSecret);
    assert.deepEqual(await rooms.listRooms(), [], 'the first server is untouched');
  });
});
