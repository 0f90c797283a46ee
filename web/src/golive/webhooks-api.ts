import { type components, GoliveError } from '@golive/sdk';

export type WebhookEndpoint = components['schemas']['WebhookEndpoint'];
export type WebhookEndpointWithSecret = components['schemas']['WebhookEndpointWithSecret'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];

/**
 * The webhook admin routes, until the SDK client has methods for them. Authenticated like the
 * client in auth.tsx: the host page's token provider, else the signed-in token it stores.
 */
async function token(): Promise<string> {
  if (window.goliveTokenProvider) return window.goliveTokenProvider();
  try {
    return (JSON.parse(sessionStorage.getItem('golive.auth') ?? 'null') as { token?: string } | null)?.token ?? '';
  } catch {
    return '';
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (cause) {
    throw new GoliveError({ status: 0, code: 'NETWORK_ERROR', message: `cannot reach golive: ${String(cause)}`, cause });
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) throw GoliveError.fromResponse(res, parsed);
  return parsed as T;
}

export const webhooksApi = {
  list: async () => (await call<{ items: WebhookEndpoint[] }>('GET', '/v1/admin/webhook-endpoints')).items,
  create: (input: { url: string; eventTypes?: string[]; description?: string }) =>
    call<WebhookEndpointWithSecret>('POST', '/v1/admin/webhook-endpoints', input),
  update: (id: string, patch: { enabled?: boolean; eventTypes?: string[] | null; url?: string }) =>
    call<WebhookEndpoint>('PATCH', `/v1/admin/webhook-endpoints/${id}`, patch),
  remove: (id: string) => call<null>('DELETE', `/v1/admin/webhook-endpoints/${id}`),
  rotate: (id: string) => call<WebhookEndpointWithSecret>('POST', `/v1/admin/webhook-endpoints/${id}/rotate-secret`, {}),
  replay: (id: string, input: { since: string; until?: string }) =>
    call<{ replayed: number }>('POST', `/v1/admin/webhook-endpoints/${id}/replay`, input),
  deliveries: (query: { endpointId?: string; status?: string; cursor?: string }) => {
    const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])));
    return call<{ items: WebhookDelivery[]; nextCursor: string | null }>('GET', `/v1/admin/webhook-deliveries?${q}`);
  },
  retry: (id: string) => call<WebhookDelivery>('POST', `/v1/admin/webhook-deliveries/${id}/retry`, {}),
};
