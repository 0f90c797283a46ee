import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { type AddressPolicy, checkedLookup, hostOf, RefusedAddressError, refusalOf } from './address-policy.ts';

export type SendResult = { statusCode: number; retryAfter: Date | null };

/** Retry-After past this is not waited for longer (a receiver cannot park a delivery for days). */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * POSTs one signed body. Redirects are not followed (a 3xx is a failed attempt: the target could
 * be anywhere), every address is checked as it is connected to, and the whole attempt, answer
 * included, gives up after `timeoutMs`. Connections are kept alive between deliveries.
 */
export class WebhookSender {
  readonly #policy: AddressPolicy;
  readonly #timeoutMs: number;
  readonly #agents: { http: http.Agent; https: https.Agent };

  constructor(options: { policy: AddressPolicy; timeoutMs: number }) {
    this.#policy = options.policy;
    this.#timeoutMs = options.timeoutMs;
    const lookup = checkedLookup(options.policy);
    const agent = { keepAlive: true, maxSockets: 50, lookup };
    this.#agents = { http: new http.Agent(agent), https: new https.Agent(agent) };
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const target = new URL(url);
    const host = hostOf(target);
    // An IP literal never goes through the lookup: check it here.
    if (isIP(host)) {
      const reason = refusalOf(this.#policy, host);
      if (reason) throw new RefusedAddressError(host, reason);
    }
    const secure = target.protocol === 'https:';
    const request = secure ? https.request : http.request;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    return new Promise<SendResult>((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent: secure ? this.#agents.https : this.#agents.http,
          signal,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'golive-webhooks/1',
          },
        },
        (res) => {
          // The answer's body is not used; read it to the end so the connection can be reused.
          res.resume();
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, retryAfter: parseRetryAfter(res.headers['retry-after']) }));
          res.on('error', fail);
        },
      );
      const fail = (error: Error) =>
        reject(signal.aborted ? new Error(`no answer within ${Math.round(this.#timeoutMs / 1000)} s (timed out)`) : error);
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): Date | null {
  if (!value) return null;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return null;
  return new Date(now + Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS));
}
