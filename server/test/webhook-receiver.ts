// A real HTTP receiver of golive's webhooks, as an app's backend would run one: every delivery is
// verified with the `standardwebhooks` library against the secrets it is given.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEvent } from '@golive/sdk';
import { Webhook } from 'standardwebhooks';

export type Received = {
  id: string;
  timestamp: string;
  signatures: string[];
  body: string;
  event: WebhookEvent;
  /** Which of the receiver's secrets verified it (by index); empty when none did. */
  verifiedWith: number[];
  /** What the receiver answered. */
  status: number;
  at: number;
};

/** What to answer a delivery: a status and headers; 200 by default. */
export type Answer = (delivery: { id: string; event: WebhookEvent; nth: number }) => {
  status: number;
  headers?: Record<string, string>;
  /** Answer this much later (a slow receiver). */
  delayMs?: number;
};

export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  answer: Answer = () => ({ status: 200 });
  #server: Server | null = null;
  #port = 0;
  readonly #seen = new Map<string, number>();

  static async start(port = 0): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await r.listen(port);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks`;
  }

  get port(): number {
    return this.#port;
  }

  /** (Re)starts listening, on the same port after a stop. */
  async listen(port = this.#port): Promise<void> {
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const header = (name: string) => String(req.headers[name] ?? '');
        const verifiedWith = this.secrets.flatMap((secret, i) => {
          try {
            new Webhook(secret).verify(body, req.headers as Record<string, string>);
            return [i];
          } catch {
            return [];
          }
        });
        const id = header('webhook-id');
        const nth = (this.#seen.get(id) ?? 0) + 1;
        this.#seen.set(id, nth);
        const event = JSON.parse(body) as WebhookEvent;
        // An unverified delivery is refused, as a receiver must.
        const { status, headers, delayMs } =
          verifiedWith.length === 0 ? { status: 400, headers: {}, delayMs: 0 } : this.answer({ id, event, nth });
        this.received.push({
          id,
          timestamp: header('webhook-timestamp'),
          signatures: header('webhook-signature').split(' '),
          body,
          event,
          verifiedWith,
          status,
          at: Date.now(),
        });
        setTimeout(() => res.writeHead(status, headers ?? {}).end(), delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening: deliveries fail with a refused connection until listen() again. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Deliveries the receiver accepted (2xx), in arrival order. */
  accepted(): Received[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Accepted deliveries of one session, in arrival order. */
  forSession(sessionId: string): Received[] {
    return this.accepted().filter((r) => r.event.data.session.id === sessionId);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type EndpointWithSecret = { id: string; url: string; secret: string; eventTypes: string[] | null; enabled: boolean };

/** Registers the receiver as an endpoint through the admin API (the app's API key) and trusts its secret. */
export async function registerReceiver(
  client: {
    call: <T>(method: string, path: string, options: Record<string, unknown>) => Promise<{ status: number; body: T; text: string }>;
  },
  apiKey: string,
  receiver: WebhookReceiver,
  body: Record<string, unknown> = {},
): Promise<EndpointWithSecret> {
  const res = await client.call<EndpointWithSecret>('POST', '/v1/admin/webhook-endpoints', {
    apiKey,
    json: { url: receiver.url, ...body },
  });
  if (res.status !== 201) throw new Error(`could not register the receiver: ${res.status} ${res.text}`);
  receiver.secrets.push(res.body.secret);
  return res.body;
}
