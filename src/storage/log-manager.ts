/**
 * Every partition log of this broker, across the log.dirs: opening and recovering them at start-up,
 * creating and deleting them with their topics, and the background work (retention, time-based
 * flushes, checkpoints). A clean shutdown leaves a marker so that the next start trusts the
 * indexes; without it, each partition is recovered from its recovery point.
 */
import { mkdir, readdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerConfig } from '../config/config.js';
import type { TopicInfo } from '../cluster/topics.js';
import type { Logger } from '../util/logger.js';
import { PartitionLog } from './partition-log.js';
import { TopicLogs, type BrokerLogs, type RecoveryStats } from './log-store.js';
import { FileCache } from './file-cache.js';

/** A topic to open logs for; in a cluster, only the partitions `hosted` here (the others' directories are removed). */
export type HostedTopic = TopicInfo & { hosted?: (index: number) => boolean };
import { topicLogConfigs, type LogConfig } from './log-config.js';
import { readCheckpoint, writeCheckpoint, key, type Checkpoint } from './checkpoint.js';
import { LogMaintenance } from './log-maintenance.js';

const CLEAN_SHUTDOWN = '.runnel_cleanshutdown';
const RECOVERY = 'recovery-point-offset-checkpoint';
const LOG_START = 'log-start-offset-checkpoint';
const CHECKPOINT_INTERVAL_MS = 60_000;

export type { LogStore, RecoveryStats } from './log-store.js';

export class LogManager extends TopicLogs<PartitionLog> implements BrokerLogs {
  private readonly dirOf = new Map<PartitionLog, string>();
  readonly files: FileCache;
  private timers: NodeJS.Timeout[] = [];
  private readonly maintenance: LogMaintenance;
  recoveryStats: RecoveryStats = { partitions: 0, recovered: 0, cleanDirs: 0, ms: 0 };

  private constructor(
    private readonly config: BrokerConfig,
    private readonly topicConfigs: (topic: string) => Record<string, string>,
    private readonly log: Logger,
  ) {
    super();
    this.files = new FileCache(Math.max(64, config.int('runnel.max.open.files')));
    this.logConfig = topicLogConfigs(config, topicConfigs);
    this.maintenance = new LogMaintenance(config, () => this.all(), log);
  }

  get dirs(): string[] {
    return this.config.logDirs;
  }

  /** The topic's log settings now (topicLogConfigs: AlterConfigs applies at once). */
  readonly logConfig: (topic: string) => LogConfig;

  static async open(
    config: BrokerConfig,
    topics: HostedTopic[],
    topicConfigs: (topic: string) => Record<string, string>,
    log: Logger,
  ): Promise<LogManager> {
    const started = performance.now();
    const m = new LogManager(config, topicConfigs, log);
    const wanted = new Map(topics.map((t) => [t.name, t]));
    const found = new Map<string, { dir: string; path: string; clean: boolean; recovery: Checkpoint; start: Checkpoint }>();
    for (const dir of m.dirs) {
      await mkdir(dir, { recursive: true });
      const clean = await stat(join(dir, CLEAN_SHUTDOWN)).then(() => true, () => false);
      if (clean) m.recoveryStats.cleanDirs++;
      const recovery = await readCheckpoint(join(dir, RECOVERY));
      const start = await readCheckpoint(join(dir, LOG_START));
      for (const name of await readdir(dir)) {
        const match = /^(.+)-(\d+)$/.exec(name);
        if (!match) continue;
        const path = join(dir, name);
        if (!(await stat(path)).isDirectory()) continue;
        const [, topic, part] = match;
        const t = wanted.get(topic);
        const id = await readFile(join(path, 'partition.metadata'), 'utf8').then((s) => /topic_id: (\S+)/.exec(s)?.[1], () => undefined);
        if (!t || Number(part) >= t.partitions || (id !== undefined && id !== t.id) || (t.hosted && !t.hosted(Number(part)))) {
          log.info({ dir: path }, t && Number(part) < t.partitions && id === t.id ? 'removing the data of a partition no longer hosted here' : 'removing the data of a deleted topic');
          await rm(path, { recursive: true, force: true });
          continue;
        }
        found.set(name, { dir, path, clean, recovery, start });
      }
    }
    let done = 0;
    const total = topics.reduce((s, t) => s + t.partitions, 0);
    let lastReport = performance.now();
    for (const t of topics) {
      const list: PartitionLog[] = [];
      for (let i = 0; i < t.partitions; i++) {
        if (t.hosted && !t.hosted(i)) continue;
        const f = found.get(`${t.name}-${i}`);
        const cfg = (): LogConfig => m.logConfig(t.name);
        let p: PartitionLog;
        if (f) {
          p = await PartitionLog.open(
            f.path,
            t.name,
            i,
            { clean: f.clean, recoveryPoint: f.recovery.get(key(t.name, i)) ?? 0, logStartOffset: f.start.get(key(t.name, i)) ?? 0 },
            cfg,
            m.files,
            log,
          );
          if (!f.clean) m.recoveryStats.recovered++;
          m.dirOf.set(p, f.dir);
        } else {
          const dir = m.pickDir();
          p = await PartitionLog.create(join(dir, `${t.name}-${i}`), t.name, i, t.id, cfg, m.files, log);
          m.dirOf.set(p, dir);
        }
        list[i] = p;
        done++;
        if (performance.now() - lastReport > 2000) {
          lastReport = performance.now();
          log.info({ done, total }, 'loading partitions');
        }
      }
      m.logs.set(t.name, list);
    }
    // From now on a crash must be detected: the marker goes until the next clean shutdown.
    for (const dir of m.dirs) await rm(join(dir, CLEAN_SHUTDOWN), { force: true });
    m.recoveryStats.partitions = total;
    m.recoveryStats.ms = Math.round(performance.now() - started);
    return m;
  }

  /** The log dir with the fewest partitions, as Kafka places new ones. */
  private pickDir(): string {
    const counts = new Map(this.dirs.map((d) => [d, 0]));
    for (const d of this.dirOf.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    return [...counts].sort((a, b) => a[1] - b[1])[0][0];
  }

  /** Called with the duration of every log fsync (set by the broker's metrics). */
  set onFsync(fn: ((seconds: number) => void) | undefined) {
    this.fsyncObserver = fn;
    for (const p of this.all()) p.onFsync = fn;
  }

  get onFsync(): ((seconds: number) => void) | undefined {
    return this.fsyncObserver;
  }
  private fsyncObserver?: (seconds: number) => void;


  dirFor(p: PartitionLog): string | undefined {
    return this.dirOf.get(p);
  }

  /** Creates the missing partition logs of a topic (new topic, or CreatePartitions), of the partitions hosted here. */
  async ensureTopic(t: TopicInfo, hosted: (index: number) => boolean = () => true): Promise<void> {
    const list = this.logs.get(t.name) ?? [];
    this.logs.set(t.name, list);
    for (let i = 0; i < t.partitions; i++) {
      if (list[i] || !hosted(i)) continue;
      const dir = this.pickDir();
      const p = await PartitionLog.create(join(dir, `${t.name}-${i}`), t.name, i, t.id, () => this.logConfig(t.name), this.files, this.log);
      this.dirOf.set(p, dir);
      p.onFsync = this.fsyncObserver;
      list[i] = p;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    const list = this.partitions(name);
    this.logs.delete(name);
    for (const p of list) {
      await p.close().catch((err: Error) => this.log.warn({ topic: p.topic, partition: p.partition, err: err.message }, 'closing a deleted partition failed'));
      this.dirOf.delete(p);
      await rm(p.dir, { recursive: true, force: true });
    }
  }

  async deletePartition(topic: string, index: number): Promise<void> {
    const list = this.logs.get(topic);
    const p = list?.[index];
    if (!list || !p) return;
    // A hole, not undefined: all() flattens the lists.
    delete list[index];
    await p.close().catch((err: Error) => this.log.warn({ topic: p.topic, partition: p.partition, err: err.message }, 'closing a deleted partition failed'));
    this.dirOf.delete(p);
    await rm(p.dir, { recursive: true, force: true });
  }

  startBackgroundWork(): void {
    this.maintenance.start();
    this.timers.push(setInterval(() => void this.flushDue(), 1000).unref());
    this.timers.push(setInterval(() => void this.writeCheckpoints().catch((err: Error) => this.log.error({ err: err.message }, 'writing the recovery and log start checkpoints failed')), CHECKPOINT_INTERVAL_MS).unref());
  }

  runRetention(now = Date.now()): Promise<void> {
    return this.maintenance.runRetention(now);
  }

  runCompaction(now = Date.now()): Promise<void> {
    return this.maintenance.runCompaction(now);
  }

  private async flushDue(): Promise<void> {
    const now = Date.now();
    for (const p of this.all()) {
      const ms = p.config().flushIntervalMs;
      if (Number.isFinite(ms) && now - p.lastFlushMs >= ms && p.highWatermark > p.recoveryPoint) {
        await p.flush().catch((err: Error) => this.log.error({ topic: p.topic, partition: p.partition, err: err.message }, 'flush failed'));
      }
    }
  }

  async writeCheckpoints(): Promise<void> {
    for (const dir of this.dirs) {
      const recovery: Checkpoint = new Map();
      const start: Checkpoint = new Map();
      for (const [p, d] of this.dirOf) {
        if (d !== dir) continue;
        recovery.set(key(p.topic, p.partition), p.recoveryPoint);
        start.set(key(p.topic, p.partition), p.logStartOffset);
      }
      await writeCheckpoint(join(dir, RECOVERY), recovery);
      await writeCheckpoint(join(dir, LOG_START), start);
    }
  }

  checkpointLogStartOffsets(): Promise<void> {
    return this.writeCheckpoints();
  }

  /** Clean shutdown: every write lands and is fsynced, indexes and checkpoints written, marker left. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.maintenance.stop();
    // A partition that cannot write its indexes or snapshot (a full disk) does not stop the others;
    // without the clean-shutdown marker the next start recovers the logs instead of trusting them.
    let clean = true;
    for (const p of this.all()) {
      await p.close().catch((err: Error) => {
        clean = false;
        this.log.error({ topic: p.topic, partition: p.partition, err: err.message }, 'closing a partition log failed; the next start recovers the logs');
      });
    }
    await this.writeCheckpoints().catch((err: Error) => {
      clean = false;
      this.log.error({ err: err.message }, 'writing the recovery and log start checkpoints failed; the next start recovers the logs');
    });
    await this.files.closeAll();
    if (clean) for (const dir of this.dirs) await writeFile(join(dir, CLEAN_SHUTDOWN), '');
  }
}
