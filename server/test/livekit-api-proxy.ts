// A pass-through HTTP proxy in front of livekit-server's room-service API, for fault tests: it can
// hold requests (LiveKit "unreachable" for golive while clients still reach it directly) and it
// counts every request that reached LiveKit, by Twirp method, to prove a command was sent once.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class LivekitApiProxy {
  readonly #target: URL;
  readonly #server: Server;
  readonly #held: (() => void)[] = [];
  readonly #forwarded = new Map<string, number>();
  readonly #sequence: string[] = [];
  #paused = false;

  private constructor(target: string) {
    this.#target = new URL(target);
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** Listens on a free loopback port in front of `target` (e.g. http://127.0.0.1:7880). */
  static async start(target: string): Promise<LivekitApiProxy> {
    const proxy = new LivekitApiProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Requests arriving from now on wait; a caller that gives up while waiting is never forwarded. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const release of this.#held.splice(0)) release();
  }

  /** Requests held right now. */
  get waiting(): number {
    return this.#held.length;
  }

  /** How many requests for a Twirp method (e.g. "RemoveParticipant") reached LiveKit. */
  forwarded(method: string): number {
    return this.#forwarded.get(method) ?? 0;
  }

  /** Every forwarded Twirp method, in the order LiveKit received them. */
  sequence(): string[] {
    return [...this.#sequence];
  }

  async stop(): Promise<void> {
    this.resume();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let callerGone = false;
    res.on('close', () => {
      if (!res.writableEnded) callerGone = true;
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forward = () => {
        // The caller hung up while held (it was killed, or timed out): nothing reaches LiveKit.
        if (callerGone || res.destroyed) return;
        const method = (req.url ?? '').split('/').pop() ?? '';
        this.#forwarded.set(method, (this.#forwarded.get(method) ?? 0) + 1);
        this.#sequence.push(method);
        const upstream = request(
          { host: this.#target.hostname, port: this.#target.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      };
      if (this.#paused) this.#held.push(forward);
      else forward();
    });
  }
}
