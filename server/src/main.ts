import { dispose as disposeMediaRuntime } from '@livekit/rtc-node';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './logger.ts';
import { createServices } from './services.ts';

/** The only place golive listens. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // Installed before anything starts, so a signal during start-up still shuts down cleanly (the
  // embedded livekit-server is killed on exit even if it is still starting).
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  let services: Awaited<ReturnType<typeof createServices>> | null = null;
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app?.close();
    await services?.close();
    // A relay (RTMP ingest) or a recorder that ran leaves rtc-node's native runtime, which keeps the process alive.
    if (services?.ingest.ranRelays || services?.recorders.ran) await disposeMediaRuntime();
    // The log buffer goes out before the process does.
    logger.flush();
  });

  services = await createServices(config, logger);
  app = await buildApp({ config, services, logger });

  await app.listen({ host: config.host, port: config.port });
  // The RTMP listener is an ingress like the HTTP API: encoders reach the web role's instances.
  if (config.roles.has('web')) await services.startRtmp();
  // The worker role carries out committed effects and keeps PostgreSQL and LiveKit in agreement;
  // any number of instances may run it (each effect once, the reconciler on one at a time).
  if (config.roles.has('worker')) await services.startWorker();
  logger.info(
    {
      mode: config.mode,
      roles: [...config.roles],
      database: config.database.kind,
      livekit: config.livekit.kind === 'embedded' ? `embedded at ${services.livekit.clientUrl}` : services.livekit.clientUrl,
      docs: `http://${config.host}:${config.port}/docs`,
    },
    'golive is listening',
  );
  if (config.mode === 'dev') {
    logger.info(
      `dev mode: sign in with  curl -X POST http://${config.host}:${config.port}/v1/dev/login -H 'content-type: application/json' -d '{"name":"Ada"}'`,
    );
  }
}

await main();
