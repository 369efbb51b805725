/**
 * The partition logs of a broker started with `storage: 'memory'`: a MemoryLog per partition,
 * nothing on disk, gone at close(). Retention runs on log.retention.check.interval.ms and compaction
 * every log.cleaner.backoff.ms, as for files (the same cleaner); there is nothing to flush,
 * checkpoint or recover.
 */
import type { BrokerConfig } from '../config/config.js';
import type { TopicInfo } from '../cluster/topics.js';
import type { Logger } from '../util/logger.js';
import { TopicLogs, type BrokerLogs, type RecoveryStats } from './log-store.js';
import { topicLogConfigs, type LogConfig } from './log-config.js';
import { MemoryLog } from './memory-log.js';
import { LogMaintenance } from './log-maintenance.js';

export class MemoryLogStore extends TopicLogs<MemoryLog> implements BrokerLogs {
  private readonly maintenance: LogMaintenance;
  readonly recoveryStats: RecoveryStats = { partitions: 0, recovered: 0, cleanDirs: 0, ms: 0 };
  /** Nothing to open: memory logs exist from the start. */
  readonly allOpen = true;
  whenOpen(): Promise<void> {
    return Promise.resolve();
  }
  /** No fsyncs happen: kept only to satisfy the broker's metrics wiring. */
  onFsync: ((seconds: number) => void) | undefined;
  readonly logConfig: (topic: string) => LogConfig;

  constructor(
    private readonly config: BrokerConfig,
    topicConfigs: (topic: string) => Record<string, string>,
    log: Logger,
  ) {
    super();
    this.logConfig = topicLogConfigs(config, topicConfigs);
    this.maintenance = new LogMaintenance(config, () => this.all(), log);
  }


  checkpointLogStartOffsets(): Promise<void> {
    return Promise.resolve();
  }

  ensureTopic(t: TopicInfo, hosted: (index: number) => boolean = () => true): Promise<void> {
    const list = this.logs.get(t.name) ?? [];
    this.logs.set(t.name, list);
    for (let i = 0; i < t.partitions; i++) if (!list[i] && hosted(i)) list[i] = new MemoryLog(t.name, i, () => this.logConfig(t.name));
    return Promise.resolve();
  }

  deleteTopic(name: string): Promise<void> {
    this.logs.delete(name);
    return Promise.resolve();
  }

  deletePartition(topic: string, index: number): Promise<void> {
    const list = this.logs.get(topic);
    if (list) delete list[index];
    return Promise.resolve();
  }

  startBackgroundWork(): void {
    this.maintenance.start();
  }

  runRetention(now = Date.now()): Promise<void> {
    return this.maintenance.runRetention(now);
  }

  runCompaction(now = Date.now()): Promise<void> {
    return this.maintenance.runCompaction(now);
  }

  async close(): Promise<void> {
    await this.maintenance.stop();
    this.logs.clear();
  }
}
