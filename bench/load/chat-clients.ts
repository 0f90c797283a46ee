// P3 chat clients: one process holding a share of the viewers (or the sender), apart from the
// servers it measures and from the other client processes, so client work is spread over
// processes. Raw socket.io-client for golive (lighter than the SDK, same wire protocol) and plain
// `ws` clients for the baseline.
import type { Ack, ChatMessage } from '@golive/sdk/protocol';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
// From the SDK's source, like the server: the package itself resolves to its build under Node.
import { REALTIME_PATH } from '../../sdk/src/realtime/protocol.ts';
import { serveParent } from '../lib/ipc.ts';
import type { ChatTarget, CollectJob, CollectResult, ConnectJob, ConnectResult, DisconnectJob, SendJob, SendResult } from './chat-jobs.ts';

type Kind = ChatTarget['kind'];
type Tally = { latenciesMs: number[]; received: number; lastReceiveNs: bigint };

const sockets: Socket[] = [];
const websockets: WebSocket[] = [];
const tallies = new Map<string, Tally>();
/** Connections that closed without being asked to, with the reason (e.g. "ping timeout"). */
const dropped: string[] = [];
const closing = new WeakSet<object>();
const tallyKey = (kind: Kind, tag: string) => `${kind}:${tag}`;

/** Text: "p3 <tag> <send time ns> xxxx…"; anything else is not ours. */
function onText(kind: Kind, text: string): void {
  const now = process.hrtime.bigint();
  if (!text.startsWith('p3 ')) return;
  const [, tag, sentNs] = text.split(' ', 3);
  if (!tag || !sentNs) return;
  const key = tallyKey(kind, tag);
  let tally = tallies.get(key);
  if (!tally) {
    tally = { latenciesMs: [], received: 0, lastReceiveNs: 0n };
    tallies.set(key, tally);
  }
  tally.latenciesMs.push(Number(now - BigInt(sentNs)) / 1e6);
  tally.received++;
  tally.lastReceiveNs = now;
}

function connectGolive(target: Extract<ChatTarget, { kind: 'golive' }>, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // forceNew: one engine.io connection per viewer (io() would otherwise multiplex them all over one).
    const socket = io(target.url, { path: REALTIME_PATH, transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    const fail = (error: unknown) => {
      socket.close();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    socket.once('connect_error', (error) =>
      fail(new Error(`connect_error: ${JSON.stringify((error as { data?: unknown }).data ?? error.message)}`)),
    );
    socket.once('connect', () => {
      socket
        .timeout(30_000)
        .emitWithAck('session.subscribe', { sessionId: target.sessionId })
        .then((ack: Ack<object>) => {
          if (!ack.ok) return fail(new Error(`subscribe: ${ack.error.code}`));
          socket.on('chat.message', (message: ChatMessage) => onText('golive', message.text));
          socket.on('disconnect', (reason) => {
            if (closing.has(socket)) return;
            dropped.push(`golive: ${reason}`);
            sockets.splice(sockets.indexOf(socket), 1);
          });
          sockets.push(socket);
          resolve();
        }, fail);
    });
  });
}

function connectWs(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('error', reject);
    socket.once('open', () => {
      socket.on('message', (data) => {
        const text = (JSON.parse(data.toString()) as { text?: unknown }).text;
        if (typeof text === 'string') onText('ws', text);
      });
      socket.on('close', (code) => {
        if (closing.has(socket)) return;
        dropped.push(`ws: close ${code}`);
        websockets.splice(websockets.indexOf(socket), 1);
      });
      websockets.push(socket);
      resolve();
    });
  });
}

async function connect(job: ConnectJob): Promise<ConnectResult> {
  const started = performance.now();
  const errors: string[] = [];
  let connected = 0;
  let next = 0;
  const worker = async () => {
    while (next < job.tokens.length) {
      const token = job.tokens[next++] as string;
      try {
        await (job.target.kind === 'golive' ? connectGolive(job.target, token) : connectWs(job.target.url));
        connected++;
      } catch (error) {
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.tokens.length) }, worker));
  return {
    connected,
    failed: job.tokens.length - connected,
    errors,
    seconds: (performance.now() - started) / 1000,
    open: job.target.kind === 'golive' ? sockets.length : websockets.length,
  };
}

async function send(job: SendJob): Promise<SendResult> {
  const socket = job.kind === 'golive' ? sockets[0] : undefined;
  const ws = job.kind === 'ws' ? websockets[0] : undefined;
  if (!socket && !ws) throw new Error(`no ${job.kind} connection to send from`);
  const errors: string[] = [];
  const ackLatenciesMs: number[] = [];
  const acks: Promise<void>[] = [];
  let accepted = 0;
  let firstSendNs = 0n;
  let lastSendNs = 0n;
  const intervalMs = 1000 / job.ratePerSec;
  const started = performance.now();
  for (let i = 0; i < job.count; i++) {
    const wait = started + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentNs = process.hrtime.bigint();
    if (i === 0) firstSendNs = sentNs;
    lastSendNs = sentNs;
    const head = `p3 ${job.tag} ${sentNs} `;
    const text = head + 'x'.repeat(Math.max(0, job.textChars - head.length));
    if (socket) {
      acks.push(
        socket
          .timeout(30_000)
          .emitWithAck('chat.send', { sessionId: job.sessionId, text })
          .then(
            (ack: Ack<{ message: ChatMessage }>) => {
              ackLatenciesMs.push(Number(process.hrtime.bigint() - sentNs) / 1e6);
              if (ack.ok) accepted++;
              else if (errors.length < 5) errors.push(ack.error.code);
            },
            (error: unknown) => {
              if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
            },
          ),
      );
    } else {
      ws?.send(JSON.stringify({ text }));
      accepted++;
    }
  }
  await Promise.all(acks);
  return { sent: job.count, accepted, errors, firstSendNs: String(firstSendNs), lastSendNs: String(lastSendNs), ackLatenciesMs };
}

async function collect(job: CollectJob): Promise<CollectResult> {
  const connections = job.kind === 'golive' ? sockets.length : websockets.length;
  const expected = connections * job.expectedPerConnection;
  const key = tallyKey(job.kind, job.tag);
  const deadline = Date.now() + job.timeoutMs;
  while ((tallies.get(key)?.received ?? 0) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const tally = tallies.get(key) ?? { latenciesMs: [], received: 0, lastReceiveNs: 0n };
  tallies.delete(key);
  const latenciesMs = tally.latenciesMs.map((ms) => Math.round(ms * 1000) / 1000);
  return {
    connections,
    received: tally.received,
    expected,
    latenciesMs,
    lastReceiveNs: String(tally.lastReceiveNs),
    dropped: dropped.splice(0),
  };
}

/** Closes this child's connections of that kind beyond the first `keep`; returns how many are left. */
function disconnect(kind: Kind, keep = 0): number {
  const list = kind === 'golive' ? sockets : websockets;
  for (const s of list.splice(keep)) {
    closing.add(s);
    s.close();
  }
  return list.length;
}

serveParent(
  {},
  {
    connect: (payload) => connect(payload as ConnectJob),
    send: (payload) => send(payload as SendJob),
    collect: (payload) => collect(payload as CollectJob),
    disconnect: (payload) => disconnect((payload as DisconnectJob).kind, (payload as DisconnectJob).keep),
    stop: () => {
      disconnect('golive');
      disconnect('ws');
    },
  },
);
