/**
 * Opening the partition logs found at start-up in the background, a bounded number at a time, so
 * that the broker listens before thousands of partitions are loaded (each one is a few file reads
 * after a clean shutdown, a scan from its recovery point after a crash). Requests that need logs
 * wait for `ready` (src/server/dispatch.ts); code that needs particular topics first (the
 * coordinators' internal topics) waits for `topics(...)`, and those are queued first.
 */

/**
 * Tests hold a partition's opening here to see what the broker does meanwhile; never set
 * otherwise.
 */
export const openingHooks: { beforeOpen?: (topic: string) => Promise<void> } = {};

export interface OpenTask {
  topic: string;
  run(): Promise<void>;
}

export class LogOpening {
  /** Settles when every task has run (failures included: each task reports its own). */
  readonly ready: Promise<void>;
  private readonly left = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private allDone!: () => void;
  private pending: number;

  /** Runs `tasks` in order, `concurrency` at a time; the `first` topics' tasks are queued ahead. */
  constructor(tasks: OpenTask[], concurrency: number, first: ReadonlySet<string>) {
    this.ready = new Promise((resolve) => (this.allDone = resolve));
    const queue = [...tasks.filter((t) => first.has(t.topic)), ...tasks.filter((t) => !first.has(t.topic))];
    for (const t of queue) this.left.set(t.topic, (this.left.get(t.topic) ?? 0) + 1);
    this.pending = queue.length;
    if (this.pending === 0) this.allDone();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const task = queue[next++];
        if (openingHooks.beforeOpen) await openingHooks.beforeOpen(task.topic);
        await task.run();
        this.taskDone(task.topic);
      }
    };
    for (let i = 0; i < Math.min(concurrency, queue.length); i++) void worker();
  }

  get done(): boolean {
    return this.pending === 0;
  }

  /** Whether a partition of `topic` is still to be opened. */
  opening(topic: string): boolean {
    return this.left.has(topic);
  }

  /** Resolves when every partition of these topics found at start-up is open (or failed to open). */
  topics(names: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const name of names) {
      if (!this.left.has(name)) continue;
      waits.push(new Promise((resolve) => this.waiters.set(name, [...(this.waiters.get(name) ?? []), resolve])));
    }
    return Promise.all(waits).then(() => undefined);
  }

  private taskDone(topic: string): void {
    const n = this.left.get(topic)! - 1;
    if (n > 0) this.left.set(topic, n);
    else {
      this.left.delete(topic);
      for (const w of this.waiters.get(topic) ?? []) w();
      this.waiters.delete(topic);
    }
    if (--this.pending === 0) this.allDone();
  }
}
