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

/** Creates a live session and returns its id and the host's user token. */
export async function liveSession(stack: TestStack, body: Record<string, unknown> = {}) {
  const hostId = uniqueUser('host');
  const hostToken = await userToken(hostId);
  const res = await stack.request<{ session: { id: string } }>('POST', '/v1/sessions', {
    token: hostToken,
    body: { title: 'Realtime test', mode: 'broadcast', visibility: 'public', ...body },
  });
  if (res.status !== 201) throw new Error(`could not create a session: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.session.id, hostId, hostToken };
}
