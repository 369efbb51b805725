/**
 * Topics as handlers see them: the persisted catalogue (TopicRegistry) kept in step with the
 * partition logs on disk. A topic is recorded first and its logs created second, so a crash in
 * between leaves a topic whose missing logs are created at the next start.
 */
import type { TopicCatalog, TopicInfo } from './topics.js';
import type { TopicRegistry } from './topics.js';
import type { LogManager } from '../storage/log-manager.js';

export class TopicManager implements TopicCatalog {
  constructor(private readonly registry: TopicRegistry, private readonly logs: LogManager) {}

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

  async create(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    const t = await this.registry.create(name, partitions, configs);
    await this.logs.ensureTopic(t);
    return t;
  }

  async delete(name: string): Promise<TopicInfo | undefined> {
    const t = await this.registry.delete(name);
    if (t) await this.logs.deleteTopic(name);
    return t;
  }
}
