// A small TCP load balancer on loopback, standing in for the one a deployment puts in front of
// its LiveKit nodes or golive instances: one address, each new connection forwarded to a live
// upstream (round robin, or the preferred one while it is up), the next one tried when a
// connect is refused. An open connection stays with its upstream until either side closes it,
// as with any layer-4 balancer, so a killed upstream drops exactly the connections it held.
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  readonly #upstreams: readonly number[];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #opened: number[];
  #next = 0;
  #preferred: number | null = null;

  private constructor(upstreams: readonly number[]) {
    this.#upstreams = upstreams;
    this.#opened = upstreams.map(() => 0);
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Listens on a free loopback port in front of these loopback ports. */
  static async start(upstreams: readonly number[]): Promise<TcpBalancer> {
    if (upstreams.length === 0) throw new Error('TcpBalancer needs at least one upstream port');
    const balancer = new TcpBalancer(upstreams);
    await new Promise<void>((resolve, reject) => {
      balancer.#server.once('error', reject);
      balancer.#server.listen(0, '127.0.0.1', resolve);
    });
    return balancer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** New connections go to upstream `index` while it accepts them (null: round robin again). */
  prefer(index: number | null): void {
    if (index !== null && (index < 0 || index >= this.#upstreams.length)) throw new Error(`no upstream ${index}`);
    this.#preferred = index;
  }

  /** How many connections have been forwarded to upstream `index` so far. */
  opened(index: number): number {
    return this.#opened[index] ?? 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#track(client);
    client.on('error', () => client.destroy());
    const first = this.#preferred ?? this.#next++ % this.#upstreams.length;
    this.#forward(client, first, 0);
  }

  /** Connects to upstream `index`, or the next one after a refusal, until all were tried. */
  #forward(client: Socket, index: number, tried: number): void {
    if (client.destroyed) return;
    if (tried === this.#upstreams.length) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#upstreams[index] ?? 0, '127.0.0.1');
    this.#track(upstream);
    const refused = () => this.#forward(client, (index + 1) % this.#upstreams.length, tried + 1);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      this.#opened[index] = (this.#opened[index] ?? 0) + 1;
      upstream.on('error', () => upstream.destroy());
      // Either side going away (a killed process resets its sockets) closes the other.
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }
}
