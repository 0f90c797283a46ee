import { GoliveRealtime, RealtimeRequestError } from '../../sdk/src/realtime/realtime-client.ts';
import { type TestStack, uniqueUser, userToken } from './harness.ts';

/** Realtime clients for tests: each closes in cleanup(). */
export class RealtimeClients {
  readonly #open: GoliveRealtime[] = [];

  async connect(
    stack: TestStack | string,
    userId: string = uniqueUser(),
    options: { admin?: boolean; name?: string } = {},
  ): Promise<GoliveRealtime> {
    const client = new GoliveRealtime({
      baseUrl: typeof stack === 'string' ? stack : stack.baseUrl,
      token: await userToken(userId, options),
      gapTimeoutMs: 300,
    });
    this.#open.push(client);
    await client.connect();
    return client;
  }

  closeAll(): void {
    for (const client of this.#open.splice(0)) client.close();
  }
}

/** The stable code of a rejected realtime request. */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RealtimeRequestError) return error.code;
    throw error;
  }
  return 'OK';
}

// Session data comes from the factories; re-exported for the realtime tests that import it from here.
export { liveSession } from './factories.ts';
