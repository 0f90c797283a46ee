// golive as main.ts runs it (same config loading, services, app and reconciler), in a child
// process of the bench, with the orchestrator's environment. It answers the bench over IPC.
import { writeHeapSnapshot } from 'node:v8';
import { buildApp } from '../../server/src/app.ts';
import { loadConfig } from '../../server/src/config/config.ts';
import { createLogger } from '../../server/src/logger.ts';
import { createServices } from '../../server/src/services.ts';
import { collectGarbage, serveParent } from '../lib/ipc.ts';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const services = await createServices(config, logger);
const app = await buildApp({ config, services, logger });
await app.listen({ host: config.host, port: config.port });
await services.startWorker();

serveParent(
  // On the clock of --cpu-prof timestamps (monotonic, µs), so a profile summary can skip start-up.
  { port: config.port, readyAtUs: Number(process.hrtime.bigint() / 1000n) },
  {
    gc: collectGarbage,
    // bench/socket-heap.ts: a snapshot of the heap, where the payload says (blocks golive for seconds).
    heapSnapshot: (payload) => writeHeapSnapshot((payload as { file: string }).file),
    // P8: changes at a fixed rate (open loop), each the smallest real unit of work that records an
    // event (the session row locked, its facts loaded, one audit event and its webhook delivery
    // written, committed), without HTTP in front: the figures are the commit → receiver path.
    emitEvents: async (payload) => {
      const job = payload as { sessionIds: string[]; ratePerSec: number; durationSec: number };
      const total = Math.round(job.ratePerSec * job.durationSec);
      let committed = 0;
      let failed = 0;
      const inFlight = new Set<Promise<void>>();
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const wait = started + (i / job.ratePerSec) * 1000 - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const sessionId = job.sessionIds[i % job.sessionIds.length] as string;
        const p = services.work
          .change(sessionId, { subjects: [] }, async (w) => {
            w.event({ sessionId, type: 'live.session.settings.changed', actorId: 'bench', data: { benchSeq: i } });
          })
          .then(
            () => void committed++,
            () => void failed++,
          );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.all(inFlight);
      return { committed, failed, wallSec: (performance.now() - started) / 1000 };
    },
    stop: async () => {
      await app.close();
      await services.close();
    },
  },
);
