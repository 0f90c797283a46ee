// The P3 baseline: a bare `ws` broadcast server, what a hand-rolled chat server is before it
// stores anything. Each text frame {text} from any client becomes a message of the same shape
// golive broadcasts (id, sessionId, seq, user, text, createdAt), serialized once and sent to every
// connected client. No auth, no rooms, no persistence, no heartbeat, permessage-deflate off.
import { randomUUID } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { collectGarbage, serveParent } from '../lib/ipc.ts';

const SESSION_ID = randomUUID();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
let seq = 0;

wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    let text: unknown;
    try {
      text = (JSON.parse(data.toString()) as { text?: unknown }).text;
    } catch {
      return;
    }
    if (typeof text !== 'string') return;
    const message = {
      id: randomUUID(),
      sessionId: SESSION_ID,
      seq: ++seq,
      user: { id: 'bench-chat-sender', name: 'bench-chat-sender', role: 'viewer' },
      text: text.trim(),
      createdAt: new Date().toISOString(),
    };
    const frame = Buffer.from(JSON.stringify(message));
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: false });
  });
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
const address = wss.address();

serveParent(
  { port: typeof address === 'object' && address ? address.port : 0 },
  {
    connections: () => wss.clients.size,
    gc: collectGarbage,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  },
);
