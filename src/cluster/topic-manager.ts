/**
 * Topics as handlers see them: the persisted catalogue (TopicRegistry) kept in step with the
 * partition logs on disk. A topic is recorded first and its logs created second, so a crash in
 * between leaves a topic whose missing logs are created at the next start. New partitions go the
 * other way round (logs first, then the count), and a crash in between leaves directories beyond
 * the recorded count, which the next start removes. A deleted topic is unrecorded first and its
 * directories removed second; directories of unknown topics are removed at the next start.
 *
 * Changes run one at a time: a topic deleted and recreated under the same name must not have its
 * new directories removed by the old deletion, and "does it exist?" is answered where it is acted on.
 */
import type { TopicCatalog, TopicInfo, TopicRegistry } from './topics.js';
import { nameTaken, partitionIncreaseError } from './topics.js';
import type { BrokerLogs } from '../storage/log-store.js';

export class TopicManager implements TopicCatalog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly registry: TopicRegistry, private readonly logs: BrokerLogs) {}

  /** Runs `fn` after every change queued before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  list(): TopicInfo[] {
    return this.registry.list();
  }

  get(name: string): TopicInfo | undefined {
    return this.registry.get(name);
  }

  getById(id: string): TopicInfo | undefined {
    return this.registry.getById(id);
  }

  collidesWith(name: string): TopicInfo | undefined {
    return this.registry.collidesWith(name);
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const t = await this.registry.create(name, partitions, configs);
      await this.logs.ensureTopic(t);
      return t;
    });
  }

  createNew(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const taken = nameTaken(this.registry, name);
      if (taken) throw taken;
      const t = await this.registry.create(name, partitions, configs);
      await this.logs.ensureTopic(t);
      return t;
    });
  }

  delete(name: string): Promise<TopicInfo | undefined> {
    return this.exclusive(async () => {
      const t = await this.registry.delete(name);
      if (t) await this.logs.deleteTopic(name);
      return t;
    });
  }

  setPartitions(name: string, count: number): Promise<TopicInfo> {
    return this.exclusive(async () => {
      const t = this.registry.get(name);
      if (t) {
        const refused = partitionIncreaseError(t, count);
        if (refused) throw refused;
        await this.logs.ensureTopic({ ...t, partitions: count });
      }
      return this.registry.setPartitions(name, count);
    });
  }

  setConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo> {
    return this.exclusive(() => this.registry.setConfigs(name, configs));
  }
}
