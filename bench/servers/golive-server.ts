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
    stop: async () => {
      await app.close();
      await services.close();
    },
  },
);
