import { userToken } from '../../server/test/harness.ts';

/** A JSON request from the orchestrator (set-up and clean-up only: never timed). */
export async function requestJson<T>(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Host-app JWTs for `count` distinct users named `${prefix}-0000`, `${prefix}-0001`, ... */
export async function userTokens(prefix: string, count: number): Promise<{ userId: string; token: string }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const userId = `${prefix}-${String(i).padStart(4, '0')}`;
      return { userId, token: await userToken(userId) };
    }),
  );
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export type JoinGrantBody = { token: string; role: string; identity: string; session: { id: string } };
