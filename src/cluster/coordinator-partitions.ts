/**
 * Which partitions of a coordinator's internal topic (__consumer_offsets, __transaction_state) this
 * broker coordinates, as Kafka's coordinators track them (GroupMetadataManager's ownedPartitions and
 * loadingPartitions, TransactionStateManager's loadingPartitions and transactionMetadataCache): a
 * partition is elected when this broker becomes its leader, loading while its log is replayed, then
 * loaded; it is gone again when leadership moves. An id (group or transactional id) is served only
 * while its partition is loaded here: NOT_COORDINATOR elsewhere, COORDINATOR_LOAD_IN_PROGRESS while
 * loading, as Kafka answers.
 *
 * Elections and resignations run one at a time, in the order they were told (Kafka's single
 * scheduler thread for loads and unloads): a resignation takes effect for requests at once, and
 * its clean-up runs after any load still replaying. Each election gets a token, so a load that was
 * overtaken by a resignation knows it is stale.
 */
import { ErrorCode } from '../protocol/errors.js';
import { partitionFor } from './kv-log.js';

interface Owned {
  loaded: boolean;
  token: number;
}

export class CoordinatorPartitions {
  private readonly states = new Map<number, Owned>();
  private tokens = 0;
  private chain: Promise<void> = Promise.resolve();

  /** `count`: the partitions of the internal topic (it may be created after the coordinator). */
  constructor(private readonly count: () => number) {}

  get partitionCount(): number {
    return this.count();
  }

  partitionOf(id: string): number {
    return partitionFor(id, Math.max(1, this.count()));
  }

  /** 0 when requests for `id` are served here, else the error Kafka answers. */
  errorFor(id: string): number {
    if (this.count() <= 0) return ErrorCode.NOT_COORDINATOR;
    const s = this.states.get(this.partitionOf(id));
    if (!s) return ErrorCode.NOT_COORDINATOR;
    return s.loaded ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  /** Whether `id`'s partition is being replayed now: sweeps leave its half-built state alone. */
  loading(id: string): boolean {
    return this.errorFor(id) === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  isLoaded(partition: number): boolean {
    return this.states.get(partition)?.loaded === true;
  }

  /** Whether any partition is still being loaded (ListGroups / ListTransactions answer COORDINATOR_LOAD_IN_PROGRESS). */
  anyLoading(): boolean {
    for (const s of this.states.values()) if (!s.loaded) return true;
    return false;
  }

  loaded(): number[] {
    return [...this.states].filter(([, s]) => s.loaded).map(([p]) => p);
  }

  /** Whether a load started with `token` is still the current one for the partition. */
  current(partition: number, token: number): boolean {
    return this.states.get(partition)?.token === token;
  }

  /**
   * This broker leads `partition` now: it is loading until `load` (queued after earlier work)
   * completes, then served. A load that fails leaves the partition not coordinated here.
   */
  elect(partition: number, load: (token: number) => Promise<void>): Promise<void> {
    const token = ++this.tokens;
    this.states.set(partition, { loaded: false, token });
    return this.enqueue(async () => {
      if (!this.current(partition, token)) return;
      try {
        await load(token);
      } catch (err) {
        if (this.current(partition, token)) this.states.delete(partition);
        throw err;
      }
      if (this.current(partition, token)) this.states.get(partition)!.loaded = true;
    });
  }

  /** This broker stopped leading `partition`: refused at once, `unload` runs after earlier work. */
  resign(partition: number, unload: () => void | Promise<void>): Promise<void> {
    this.states.delete(partition);
    return this.enqueue(async () => {
      // Elected again meanwhile: that load follows and replaces whatever is held now.
      await unload();
    });
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every election and resignation told so far has been handled. */
  settled(): Promise<void> {
    return this.chain;
  }
}
