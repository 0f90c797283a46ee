// P8's baseline: a bare loop that POSTs signed event bodies, shaped and signed as golive's are
// (the same standardwebhooks signer), at a fixed rate over keep-alive connections: what sending
// alone costs, with no database, outbox or retry bookkeeping. A process of its own.
import http from 'node:http';
import { Signer } from '../../server/src/webhooks-out/signer.ts';
import { serveParent } from '../lib/ipc.ts';

export type LoopJob = { url: string; secret: string; ratePerSec: number; durationSec: number; sessions: number };
export type LoopResult = { sent: number; ok: number; failed: number; wallSec: number };

const signer = new Signer();
const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });

function post(url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function run(job: LoopJob): Promise<LoopResult> {
  const url = new URL(job.url);
  const total = Math.round(job.ratePerSec * job.durationSec);
  const sequence = new Array<number>(job.sessions).fill(0);
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  // Open loop: event i is due at i / rate, whatever the answers take.
  while (sent < total) {
    const due = started + (sent / job.ratePerSec) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = sent++;
    const s = n % job.sessions;
    sequence[s] = (sequence[s] ?? 0) + 1;
    const body = JSON.stringify({
      type: 'live.session.settings.changed',
      timestamp: new Date().toISOString(),
      data: {
        eventId: String(n + 1),
        sequence: sequence[s],
        session: {
          id: `00000000-0000-4000-8000-${String(s).padStart(12, '0')}`,
          externalRef: null,
          title: 'P8',
          host: { id: `host-${s}`, name: `host-${s}` },
          status: 'live',
          visibility: 'public',
          mode: 'broadcast',
        },
        actor: { id: 'service' },
        target: null,
        reason: null,
        details: { slowModeSec: n % 60 },
      },
    });
    const now = new Date();
    const p = post(url, signer.headers([job.secret], `evt_loop_${n + 1}`, now, body), body).then((status) => {
      if (status >= 200 && status < 300) ok++;
      else failed++;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  return { sent, ok, failed, wallSec: (performance.now() - started) / 1000 };
}

serveParent({}, { run: (payload) => run(payload as LoopJob), stop: () => agent.destroy() });
