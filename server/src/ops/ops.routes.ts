import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { pingDatabase } from '../adapters/database.ts';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import type { Database } from '../db/schema.ts';
import { route } from '../http/route.ts';
import type { Metrics } from './metrics.ts';

export type OpsRoutesOptions = { db: Kysely<Database>; livekit: LivekitAdapter; metrics: Metrics };

const CHECK_TIMEOUT_MS = 2_000;

/** Each check is 'ok' or what failed; 503 when one is not ok. */
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({ database: Type.String(), livekit: Type.String() }),
});

/** For probes and Prometheus, not clients: outside /v1 and /openapi.json, and no credentials. */
const ops = (operationId: string, summary: string) => ({ operationId, summary, tags: ['ops'], auth: 'none' as const, hide: true });

/** /healthz (the process answers), /readyz (its dependencies answer), /metrics (Prometheus). */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app, { db, livekit, metrics }) => {
  app.get(
    '/healthz',
    route({ ...ops('health', 'The process answers'), response: { 200: Type.Object({ status: Type.Literal('ok') }) } }),
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    route({ ...ops('ready', 'Its dependencies answer'), response: { 200: Readiness, 503: Readiness } }),
    async (_request, reply) => {
      const [database, livekitCheck] = await Promise.all([
        check(() => pingDatabase(db)),
        check(() => livekit.listRooms(['golive-readiness-probe'])),
      ]);
      const ready = database === 'ok' && livekitCheck === 'ok';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { database, livekit: livekitCheck } });
    },
  );

  app.get('/metrics', route({ ...ops('metrics', 'Prometheus metrics, as text'), response: {} }), async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return 'ok';
  } catch (error) {
    return describeFailure(error);
  }
}

/** "fetch failed" alone says nothing: the cause (e.g. connect ECONNREFUSED 127.0.0.1:7880) does. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return `failed: ${String(error)}`;
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
}
