// The load generator: a separate process from every server it measures, so client work never
// shares an event loop with the server under test. Runs one job at a time, as the bench asks.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { RoomServiceClient } from 'livekit-server-sdk';
import { serveParent } from '../lib/ipc.ts';
import type { CreateRoomsJob, LoadResult, PacedJob, RequestsJob, ThroughputJob } from './jobs.ts';

async function throughput(job: ThroughputJob): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    timeout: 10,
    requests: [
      {
        method: job.method,
        path: job.path,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${job.bearerTokens[next++ % job.bearerTokens.length]}` },
        }),
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
    latenciesMs.push(responseTimeMs);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const result = await instance;
  const wallSec = (performance.now() - started) / 1000;
  if (result.errors > 0) statuses.error = result.errors;
  return { latenciesMs, statuses, ok: countOk(statuses), wallSec };
}

// autocannon's own rate limit sends each connection's quota for the second in a burst at the
// start of the second, so the paced load is generated here instead.
async function paced(job: PacedJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const target = new URL(job.url);
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const total = Math.round(job.ratePerSec * job.durationSec);
  const intervalMs = 1000 / job.ratePerSec;
  const inFlight: Promise<void>[] = [];
  const send = (index: number, dueAt: number) =>
    new Promise<void>((resolve) => {
      const done = (status: string) => {
        latenciesMs.push(performance.now() - dueAt);
        statuses[status] = (statuses[status] ?? 0) + 1;
        resolve();
      };
      const token = job.bearerTokens[index % job.bearerTokens.length];
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: job.method,
          path: job.path,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => done(String(res.statusCode)));
        },
      );
      req.on('error', () => done('error'));
      req.end();
    });
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && started + sent * intervalMs <= now) {
      inFlight.push(send(sent, started + sent * intervalMs));
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { latenciesMs, statuses, ok: countOk(statuses), wallSec: (performance.now() - started) / 1000 };
}

async function closedLoop(count: number, concurrency: number, send: (index: number) => Promise<string>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const t0 = performance.now();
      let status: string;
      try {
        status = await send(index);
      } catch {
        status = 'error';
      }
      latenciesMs.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, statuses, ok: countOk(statuses), wallSec: (performance.now() - started) / 1000 };
}

async function requests(job: RequestsJob): Promise<LoadResult> {
  const bodies: string[] = [];
  const result = await closedLoop(job.requests.length, job.concurrency, async (index) => {
    const request = job.requests[index];
    if (!request) throw new Error('no such request');
    const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
    const text = await res.text();
    if (job.keepBodies) bodies[index] = text;
    return String(res.status);
  });
  return job.keepBodies ? { ...result, bodies } : result;
}

async function createRooms(job: CreateRoomsJob): Promise<LoadResult> {
  const client = new RoomServiceClient(job.apiUrl, job.apiKey, job.apiSecret);
  return closedLoop(job.rooms.length, job.concurrency, async (index) => {
    const room = job.rooms[index];
    if (!room) throw new Error('no such room');
    await client.createRoom(room);
    return '200';
  });
}

function countOk(statuses: Record<string, number>): number {
  return Object.entries(statuses).reduce((sum, [status, n]) => (/^2\d\d$/.test(status) ? sum + n : sum), 0);
}

serveParent(
  {},
  {
    throughput: (payload) => throughput(payload as ThroughputJob),
    paced: (payload) => paced(payload as PacedJob),
    requests: (payload) => requests(payload as RequestsJob),
    createRooms: (payload) => createRooms(payload as CreateRoomsJob),
    stop: () => undefined,
  },
);
