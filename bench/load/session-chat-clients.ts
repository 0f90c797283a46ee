// Chat in many sessions at once, for the seeds' 100+ concurrent sessions: this process holds every
// session's realtime connections (raw socket.io-client, the SDK's wire protocol), sends each
// session's chat at a steady rate with its members taking turns, and times every message from
// chat.send to its arrival at each member. Sender and receivers share this process's clock.

import { setTimeout as pause } from 'node:timers/promises';
import type { Ack, ChatMessage } from '@golive/sdk/protocol';
import { io, type Socket } from 'socket.io-client';
import { REALTIME_PATH } from '../../sdk/src/realtime/protocol.ts';
import { serveParent } from '../lib/ipc.ts';
import type { SessionsChatJob, SessionsChatWindow, SessionsConnected, SessionsConnectJob } from './chat-jobs.ts';

type Member = { socket: Socket; sessionId: string };
const sessions = new Map<string, Member[]>();
const closing = new WeakSet<Socket>();
let timers: NodeJS.Timeout[] = [];
/** A window counts the messages sent in it, and their deliveries whenever they arrive. */
type Window = { startedAt: number; tally: SessionsChatWindow };
let current: Window = { startedAt: performance.now(), tally: emptyWindow() };
let previous: Window | null = null;
/** Deliveries of a message sent before the window closed are waited for this long. */
const STRAGGLERS_MS = 1500;

function emptyWindow(): SessionsChatWindow {
  return { sent: 0, accepted: 0, errors: [], ackMs: [], deliveryMs: [], expectedDeliveries: 0, dropped: [] };
}

/** Text: "cap <sent at, performance.now()> xxxx…". */
function onMessage(message: ChatMessage): void {
  const now = performance.now();
  if (!message.text.startsWith('cap ')) return;
  const sentAt = Number(message.text.split(' ', 2)[1]);
  if (!Number.isFinite(sentAt)) return;
  const window = sentAt >= current.startedAt ? current : previous && sentAt >= previous.startedAt ? previous : null;
  window?.tally.deliveryMs.push(now - sentAt);
}

function connectOne(url: string, sessionId: string, token: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // forceNew: one engine.io connection per member (io() would multiplex them over one).
    const socket = io(url, { path: REALTIME_PATH, transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
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
        .emitWithAck('session.subscribe', { sessionId })
        .then((ack: Ack<object>) => {
          if (!ack.ok) return fail(new Error(`subscribe: ${ack.error.code}`));
          socket.on('chat.message', onMessage);
          socket.on('disconnect', (reason) => {
            if (!closing.has(socket)) current.tally.dropped.push(String(reason));
          });
          const members = sessions.get(sessionId) ?? [];
          members.push({ socket, sessionId });
          sessions.set(sessionId, members);
          resolve(performance.now() - started);
        }, fail);
    });
  });
}

async function connect(job: SessionsConnectJob): Promise<SessionsConnected> {
  const work = job.sessions.flatMap((s) => s.tokens.map((token) => ({ sessionId: s.sessionId, token })));
  const result: SessionsConnected = { connected: 0, failed: 0, errors: [], subscribeMs: [] };
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const item = work[next++];
      if (!item) return;
      try {
        result.subscribeMs.push(await connectOne(job.url, item.sessionId, item.token));
        result.connected++;
      } catch (error) {
        result.failed++;
        if (result.errors.length < 5) result.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, work.length) }, worker));
  return result;
}

function send(members: Member[], turn: number, textChars: number): void {
  const member = members[turn % members.length];
  if (!member) return;
  const sentAt = performance.now();
  const head = `cap ${sentAt} `;
  const window = current.tally;
  window.sent++;
  window.expectedDeliveries += members.length;
  member.socket
    .timeout(30_000)
    .emitWithAck('chat.send', { sessionId: member.sessionId, text: head + 'x'.repeat(Math.max(0, textChars - head.length)) })
    .then(
      (ack: Ack<{ message: ChatMessage }>) => {
        window.ackMs.push(performance.now() - sentAt);
        if (ack.ok) window.accepted++;
        else if (window.errors.length < 5) window.errors.push(ack.error.code);
      },
      (error: unknown) => {
        if (window.errors.length < 5) window.errors.push(error instanceof Error ? error.message : String(error));
      },
    );
}

/** (Re)starts every session's chat: sessions added since the last start are included. */
function start(job: SessionsChatJob): void {
  stop();
  const intervalMs = 1000 / job.ratePerSec;
  const all = [...sessions.values()];
  all.forEach((members, i) => {
    let turn = 0;
    const first = setTimeout(
      () => {
        send(members, turn++, job.textChars);
        timers.push(setInterval(() => send(members, turn++, job.textChars), intervalMs));
      },
      (intervalMs * i) / all.length,
    );
    timers.push(first);
  });
  mark();
}

function stop(): void {
  for (const t of timers) clearTimeout(t);
  timers = [];
}

/** Opens a window now. */
function mark(): void {
  previous = null;
  current = { startedAt: performance.now(), tally: emptyWindow() };
}

/** Closes the window: what was sent in it, and its deliveries, waited for a little. */
async function collect(): Promise<SessionsChatWindow> {
  const done = current;
  previous = done;
  current = { startedAt: performance.now(), tally: emptyWindow() };
  await pause(STRAGGLERS_MS);
  return done.tally;
}

function disconnectAll(): void {
  stop();
  for (const members of sessions.values()) {
    for (const m of members) {
      closing.add(m.socket);
      m.socket.close();
    }
  }
  sessions.clear();
}

serveParent(
  {},
  {
    connect: (payload) => connect(payload as SessionsConnectJob),
    start: (payload) => start(payload as SessionsChatJob),
    mark,
    collect,
    disconnectAll,
    stop: disconnectAll,
  },
);
