// P8's receiver: an app backend's webhook route, in a process of its own. It verifies every
// delivery with the standardwebhooks library (both arms pay that alike), answers 204, and
// records when each webhook-id first arrived and how long after its event's timestamp.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { serveParent } from '../lib/ipc.ts';

export type ReceiverReport = {
  /** Requests that verified, and how many of them repeated an id already received. */
  verified: number;
  duplicates: number;
  rejected: number;
  /** Milliseconds from each first-received event's `timestamp` to its arrival. */
  latenciesMs: number[];
  firstAt: number;
  lastAt: number;
};

const secret = process.env.WEBHOOK_SECRET ?? '';
const webhook = new Webhook(secret);
let seen = new Set<string>();
let report: ReceiverReport = fresh();

function fresh(): ReceiverReport {
  return { verified: 0, duplicates: 0, rejected: 0, latenciesMs: [], firstAt: 0, lastAt: 0 };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    let event: { timestamp: string };
    try {
      event = webhook.verify(body, req.headers as Record<string, string>) as { timestamp: string };
    } catch {
      report.rejected++;
      res.writeHead(400).end();
      return;
    }
    report.verified++;
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) report.duplicates++;
    else {
      seen.add(id);
      report.latenciesMs.push(now - Date.parse(event.timestamp));
      report.firstAt ||= now;
      report.lastAt = now;
    }
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveParent(
  { port: (server.address() as AddressInfo).port },
  {
    reset: () => {
      seen = new Set();
      report = fresh();
    },
    report: () => ({ ...report, distinct: seen.size }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  },
);
