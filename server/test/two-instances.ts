// Two golive instances on one PostgreSQL database, one livekit-server and Redis: what the
// multi-instance tests start. Each file gets its own pair (its own database).
import { after, before } from 'node:test';
import { TestStack } from './harness.ts';
import { RealtimeClients } from './realtime-clients.ts';

export const REDIS_URL = process.env.GOLIVE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** Registers before/after hooks in the calling describe; the stacks are on the returned object once before() ran. */
export function twoInstances(): { a: TestStack; b: TestStack; clients: RealtimeClients } {
  const pair = { clients: new RealtimeClients() } as { a: TestStack; b: TestStack; clients: RealtimeClients };
  before(async () => {
    pair.a = await TestStack.start({ env: { REDIS_URL }, reconciler: false });
    pair.b = await TestStack.start({
      env: { REDIS_URL },
      databaseUrl: pair.a.databaseUrl,
      livekit: { server: pair.a.livekitServer, endpoint: pair.a.livekitServer.endpoint },
      reconciler: false,
    });
  });
  after(async () => {
    pair.clients.closeAll();
    await pair.b?.stopApp();
    await pair.a?.stop();
  });
  return pair;
}
