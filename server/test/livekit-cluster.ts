// A LiveKit cluster on one machine: livekit-server nodes sharing one Redis database (LiveKit's own
// multi-node routing), the same keys, each with its own ports, behind one TcpBalancer address the
// way a deployment's clients reach LiveKit. Killed nodes stay down, like a lost machine.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LocalLivekitServer } from '../src/adapters/livekit-process.ts';
import { eventually, livekitBinary } from './harness.ts';
import { assertPortOpen, HOW_TO_START } from './services-check.ts';
import { TcpBalancer } from './tcp-balancer.ts';

const REDIS_ADDRESS = '127.0.0.1:6379';
/** Databases this helper may claim; nothing else in the suite uses them (golive uses db 0). */
const CLUSTER_DBS = [8, 9, 10, 11, 12, 13, 14, 15];
const CLAIM_TTL_MS = 30 * 60_000;

export class LivekitCluster {
  readonly nodes: LocalLivekitServer[];
  /** LiveKit's node id of each node, in start order (as registered in Redis). */
  readonly nodeIds: string[];
  readonly front: TcpBalancer;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly redisDb: number;
  readonly #redis: Redis;
  readonly #claim: { key: string; value: string };

  private constructor(init: {
    nodes: LocalLivekitServer[];
    nodeIds: string[];
    front: TcpBalancer;
    keys: { apiKey: string; apiSecret: string };
    redisDb: number;
    redis: Redis;
    claim: { key: string; value: string };
  }) {
    this.nodes = init.nodes;
    this.nodeIds = init.nodeIds;
    this.front = init.front;
    this.apiKey = init.keys.apiKey;
    this.apiSecret = init.keys.apiSecret;
    this.redisDb = init.redisDb;
    this.#redis = init.redis;
    this.#claim = init.claim;
  }

  /**
   * Claims a Redis database no other run is using (a concurrent run on a shared database would
   * join the same cluster and delete this run's rooms as orphans), empties it, and starts the
   * nodes one after the other, so each node's id is the one that appeared in Redis when it started.
   */
  static async start(options: { nodes: number; webhookUrl: string; logger: Logger }): Promise<LivekitCluster> {
    await assertPortOpen(6379, HOW_TO_START.redis);
    const control = new Redis(`redis://${REDIS_ADDRESS}/0`, { maxRetriesPerRequest: 3 });
    const value = `${process.pid}:${randomBytes(4).toString('hex')}`;
    let redisDb: number | undefined;
    let key = '';
    try {
      for (const db of CLUSTER_DBS) {
        key = `golive-test:livekit-cluster-db:${db}`;
        if ((await control.set(key, value, 'PX', CLAIM_TTL_MS, 'NX')) === 'OK') {
          redisDb = db;
          break;
        }
      }
    } finally {
      control.disconnect();
    }
    if (redisDb === undefined) {
      throw new Error(
        `every Redis database from ${CLUSTER_DBS[0]} to ${CLUSTER_DBS.at(-1)} is claimed by another LiveKit cluster test run`,
      );
    }
    const redis = new Redis(`redis://${REDIS_ADDRESS}/${redisDb}`, { maxRetriesPerRequest: 3 });
    const claim = { key, value };
    const nodes: LocalLivekitServer[] = [];
    const nodeIds: string[] = [];
    try {
      // Left over by a run that was killed: nodes and rooms of a cluster that no longer exists.
      await redis.flushdb();
      const keys = { apiKey: `APIcluster${randomBytes(6).toString('hex')}`, apiSecret: randomBytes(32).toString('base64url') };
      for (let i = 0; i < options.nodes; i++) {
        const node = new LocalLivekitServer({
          binary: livekitBinary(),
          port: 0,
          webhookUrl: options.webhookUrl,
          keys,
          redis: { address: REDIS_ADDRESS, db: redisDb },
          restartOnExit: false,
          logger: options.logger.child({ component: `livekit-node-${i + 1}` }),
        });
        nodes.push(node);
        await node.start();
        const id = await eventually(async () => (await redis.hkeys('nodes')).find((n) => !nodeIds.includes(n)), {
          timeoutMs: 10_000,
          what: `livekit node ${i + 1} to register in Redis db ${redisDb}`,
        });
        nodeIds.push(id);
      }
      const front = await TcpBalancer.start(nodes.map((n) => Number(new URL(n.endpoint.apiUrl).port)));
      return new LivekitCluster({ nodes, nodeIds, front, keys, redisDb, redis, claim });
    } catch (error) {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      await releaseClaim(redis, claim);
      redis.disconnect();
      throw error;
    }
  }

  /** Where golive's room-service calls go: the front, like clients. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.front.port}`;
  }

  get clientUrl(): string {
    return `ws://127.0.0.1:${this.front.port}`;
  }

  /** The index of the node hosting a room (LiveKit's room_node_map), or null when none is assigned. */
  async roomNode(room: string): Promise<number | null> {
    const id = await this.#redis.hget('room_node_map', room);
    if (id === null) return null;
    const index = this.nodeIds.indexOf(id);
    if (index < 0) throw new Error(`room ${room} is on node ${id}, which is not one of this cluster's`);
    return index;
  }

  /** kill -9 of one node; it stays down. Returns its pid. */
  kill(index: number): number {
    const pid = this.nodes[index]?.pid;
    if (!pid) throw new Error(`livekit node ${index + 1} is not running`);
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  async stop(): Promise<void> {
    await this.front.stop();
    await Promise.allSettled(this.nodes.map((n) => n.stop()));
    await this.#redis.flushdb().catch(() => {});
    await releaseClaim(this.#redis, this.#claim);
    this.#redis.disconnect();
  }
}

async function releaseClaim(redis: Redis, claim: { key: string; value: string }): Promise<void> {
  const control = redis.duplicate({ db: 0 });
  try {
    if ((await control.get(claim.key)) === claim.value) await control.del(claim.key);
  } catch {
    // the claim expires by itself
  } finally {
    control.disconnect();
  }
}
