// P4's load generator: posts a stream of signed webhook deliveries, each exactly once and in
// stream order, over `connections` keep-alive connections (closed loop: each connection sends its
// next delivery when the previous one is answered). A process apart from the servers it measures.
import autocannon from 'autocannon';
import { serveParent } from '../lib/ipc.ts';
import type { LoadResult } from './jobs.ts';
import type { Delivery } from './webhook-stream.ts';

export type PostJob = { url: string; path: string; connections: number; deliveries: Delivery[] };

async function post(job: PostJob): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    amount: job.deliveries.length,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: job.path,
        setupRequest: (request) => {
          const delivery = job.deliveries[next++ % job.deliveries.length] as Delivery;
          return {
            ...request,
            body: delivery.body,
            headers: { ...request.headers, 'content-type': 'application/webhook+json', authorization: delivery.authorization },
          };
        },
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
  if (result.timeouts > 0) statuses.timeout = result.timeouts;
  const ok = Object.entries(statuses).reduce((sum, [status, n]) => (/^2\d\d$/.test(status) ? sum + n : sum), 0);
  return { latenciesMs, statuses, ok, wallSec };
}

serveParent({}, { post: (payload) => post(payload as PostJob), stop: () => undefined });
