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

  private readonly queue: OpenTask[];
  private next = 0;
  /** Tasks below this index may run: the `first` topics' until start(), then all. */
  private limit: number;
  private workers = 0;
  private stopped = false;

  /**
   * Runs the `first` topics' tasks at once, `concurrency` at a time, and the others from start()
   * on (or as soon as someone waits for them), so that they do not compete with the rest of the
   * broker's start-up for the CPU.
   */
  constructor(
    tasks: OpenTask[],
    private readonly concurrency: number,
    first: ReadonlySet<string>,
  ) {
    this.ready = new Promise((resolve) => (this.allDone = resolve));
    const firstTasks = tasks.filter((t) => first.has(t.topic));
    this.queue = [...firstTasks, ...tasks.filter((t) => !first.has(t.topic))];
    this.limit = firstTasks.length;
    for (const t of this.queue) this.left.set(t.topic, (this.left.get(t.topic) ?? 0) + 1);
    this.pending = this.queue.length;
    if (this.pending === 0) this.allDone();
    this.spawn();
  }

  /** Lets every task run. */
  start(): void {
    if (this.stopped) return;
    this.limit = this.queue.length;
    this.spawn();
  }

  private spawn(): void {
    while (this.workers < this.concurrency && this.next < this.limit) {
      this.workers++;
      void this.work();
    }
  }

  private async work(): Promise<void> {
    while (this.next < this.limit) {
      const task = this.queue[this.next++];
      if (openingHooks.beforeOpen) await openingHooks.beforeOpen(task.topic);
      await task.run();
      this.taskDone(task.topic);
    }
    if (--this.workers === 0 && this.stopped) this.allDone();
  }

  /**
   * Starts no more tasks and resolves once those running have finished (a shutdown soon after
   * start-up need not open every partition first). `ready` then resolves too.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.limit = this.next;
    if (this.workers === 0) this.allDone();
    return this.ready;
  }

  get done(): boolean {
    return this.pending === 0;
  }

  /**
   * Resolves when every partition of these topics found at start-up is open (or failed to open);
   * after stop(), at once (those not opened by then stay closed).
   */
  topics(names: Iterable<string>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const waits: Promise<void>[] = [];
    for (const name of names) {
      if (!this.left.has(name)) continue;
      if (this.queue.slice(this.limit).some((t) => t.topic === name)) this.start();
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
