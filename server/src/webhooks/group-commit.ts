/**
 * Group commit by key: items submitted for one key while its previous group is being applied wait
 * and are applied together in the next group, in one transaction, so a burst on one session costs
 * a few transactions rather than one per item. With nothing in flight an item waits only for the
 * current event-loop turn (what else arrived in it joins the group). Each caller gets its own
 * item's result, or the group's error.
 */
export class GroupCommit<Item, Result> {
  readonly #apply: (key: string, items: Item[]) => Promise<Result[]>;
  readonly #maxGroup: number;
  readonly #queues = new Map<string, { waiting: Pending<Item, Result>[]; running: boolean }>();

  constructor(apply: (key: string, items: Item[]) => Promise<Result[]>, options: { maxGroup?: number } = {}) {
    this.#apply = apply;
    this.#maxGroup = options.maxGroup ?? 256;
  }

  submit(key: string, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      let queue = this.#queues.get(key);
      if (!queue) {
        queue = { waiting: [], running: false };
        this.#queues.set(key, queue);
      }
      queue.waiting.push({ item, resolve, reject });
      if (!queue.running) {
        queue.running = true;
        setImmediate(() => void this.#drain(key));
      }
    });
  }

  async #drain(key: string): Promise<void> {
    const queue = this.#queues.get(key);
    if (!queue) return;
    while (queue.waiting.length > 0) {
      const group = queue.waiting.splice(0, this.#maxGroup);
      try {
        const results = await this.#apply(
          key,
          group.map((p) => p.item),
        );
        for (const [i, p] of group.entries()) p.resolve(results[i] as Result);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.#queues.delete(key);
  }
}

type Pending<Item, Result> = { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void };
