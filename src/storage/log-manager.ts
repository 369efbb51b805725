/**
 * Every partition log of this broker, across the log.dirs: opening and recovering them at start-up,
 * creating and deleting them with their topics, and the background work (retention, time-based
 * flushes, checkpoints). A clean shutdown leaves a marker so that the next start trusts the
 * indexes; without it, each partition is recovered from its recovery point. Partitions are opened
 * in the background after start-up (log-opening.ts), so that the broker listens at once.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile, stat } from 'node:fs/promises';
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
import { LogOpening, type OpenTask } from './log-opening.js';
import { OFFSETS_TOPIC, TXN_TOPIC } from '../cluster/internal-topics.js';
import { eachLimit } from '../util/each-limit.js';

const CLEAN_SHUTDOWN = '.runnel_cleanshutdown';
const RECOVERY = 'recovery-point-offset-checkpoint';
const LOG_START = 'log-start-offset-checkpoint';
const CHECKPOINT_INTERVAL_MS = 60_000;
/**
 * Partitions opened (and closed at shutdown) at once: enough to keep the disk and the thread pool busy while
 * one partition's reads are in flight, few enough that a 20,000-partition start does not open
 * 20,000 files at once.
 */
const OPEN_CONCURRENCY = 16;
/** Opened first: the coordinators load them before the broker listens. */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set([OFFSETS_TOPIC, TXN_TOPIC]);

/** A partition directory found at start-up, with its checkpoint entries. */
interface Found {
  dir: string;
  path: string;
  clean: boolean;
  recovery: number;
  logStart: number;
}

export type { LogStore, RecoveryStats } from './log-store.js';

export class LogManager extends TopicLogs<PartitionLog> implements BrokerLogs {
  private readonly dirOf = new Map<PartitionLog, string>();
  readonly files: FileCache;
  private timers: NodeJS.Timeout[] = [];
  private readonly maintenance: LogMaintenance;
  recoveryStats: RecoveryStats = { partitions: 0, recovered: 0, cleanDirs: 0, ms: 0 };

  private opening = new LogOpening([], 1, new Set());
  /** Partitions found at start-up and not open yet: their checkpoint entries are kept as read. */
  private readonly unopened = new Map<string, Found>();
  private opened = 0;
  private openFailures = 0;
  private lastReport = performance.now();

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

  /**
   * Finds the partition directories (one readdir per log dir; the data of deleted topics and of
   * partitions not hosted here goes) and starts opening them in the background (log-opening.ts):
   * the broker can listen at once. Until `whenOpen()` settles a partition may be missing from
   * `partition()`; requests that need logs wait for it (src/server/dispatch.ts).
   */
  static async open(
    config: BrokerConfig,
    topics: HostedTopic[],
    topicConfigs: (topic: string) => Record<string, string>,
    log: Logger,
  ): Promise<LogManager> {
    const started = performance.now();
    const m = new LogManager(config, topicConfigs, log);
    const wanted = new Map(topics.map((t) => [t.name, t]));
    const found = new Map<string, Found>();
    for (const dir of m.dirs) {
      await mkdir(dir, { recursive: true });
      const clean = await stat(join(dir, CLEAN_SHUTDOWN)).then(() => true, () => false);
      if (clean) m.recoveryStats.cleanDirs++;
      const recovery = await readCheckpoint(join(dir, RECOVERY));
      const start = await readCheckpoint(join(dir, LOG_START));
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const match = /^(.+)-(\d+)$/.exec(e.name);
        if (!match) continue;
        const path = join(dir, e.name);
        if (!(e.isDirectory() || (e.isSymbolicLink() && (await stat(path)).isDirectory()))) continue;
        const [, topic, part] = match;
        const t = wanted.get(topic);
        if (!t || Number(part) >= t.partitions || (t.hosted && !t.hosted(Number(part)))) {
          log.info({ dir: path }, t && Number(part) < t.partitions ? 'removing the data of a partition no longer hosted here' : 'removing the data of a deleted topic');
          await rm(path, { recursive: true, force: true });
          continue;
        }
        found.set(e.name, { dir, path, clean, recovery: recovery.get(key(topic, Number(part))) ?? 0, logStart: start.get(key(topic, Number(part))) ?? 0 });
      }
    }
    // From now on a crash must be detected: the marker goes until the next clean shutdown (a crash
    // before every partition is open recovers them all from their recovery points next time).
    for (const dir of m.dirs) await rm(join(dir, CLEAN_SHUTDOWN), { force: true });
    const tasks: OpenTask[] = [];
    for (const t of topics) {
      m.logs.set(t.name, []);
      for (let i = 0; i < t.partitions; i++) {
        if (t.hosted && !t.hosted(i)) continue;
        const f = found.get(`${t.name}-${i}`);
        if (f) m.unopened.set(key(t.name, i), f);
        tasks.push({ topic: t.name, run: () => m.openPartition(t, i, f) });
      }
    }
    m.recoveryStats.partitions = tasks.length;
    m.opening = new LogOpening(tasks, OPEN_CONCURRENCY, INTERNAL_TOPICS);
    void m.opening.ready.then(() => {
      m.recoveryStats.ms = Math.round(performance.now() - started);
      if (m.recoveryStats.recovered > 0) log.info({ partitions: m.recoveryStats.recovered, ms: m.recoveryStats.ms }, 'recovered partitions after an unclean shutdown');
      if (tasks.length > 0) log.info({ partitions: tasks.length, ms: m.recoveryStats.ms }, 'partition logs opened');
    });
    return m;
  }

  /** Opens (recovering it after a crash) or creates one partition's log; a failure leaves the partition offline. */
  private async openPartition(t: HostedTopic, i: number, f: Found | undefined): Promise<void> {
    const cfg = (): LogConfig => this.logConfig(t.name);
    try {
      let p: PartitionLog;
      let dir: string;
      const id = f && topicIdIn(f.path);
      if (f && (id === undefined || id === t.id)) {
        p = await PartitionLog.open(f.path, t.name, i, { clean: f.clean, recoveryPoint: f.recovery, logStartOffset: f.logStart }, cfg, this.files, this.log);
        if (!f.clean) this.recoveryStats.recovered++;
        dir = f.dir;
      } else {
        if (f) {
          this.log.info({ dir: f.path }, 'removing the data of a deleted topic');
          await rm(f.path, { recursive: true, force: true });
        }
        dir = f?.dir ?? this.pickDir();
        p = await PartitionLog.create(join(dir, `${t.name}-${i}`), t.name, i, t.id, cfg, this.files, this.log);
      }
      p.onFsync = this.fsyncObserver;
      this.dirOf.set(p, dir);
      this.unopened.delete(key(t.name, i));
      this.logs.get(t.name)![i] = p;
    } catch (err) {
      this.openFailures++;
      this.log.error({ topic: t.name, partition: i, err: (err as Error).message }, 'opening a partition log failed: the partition is offline until the next start');
    }
    this.opened++;
    if (performance.now() - this.lastReport > 2000) {
      this.lastReport = performance.now();
      this.log.info({ done: this.opened, total: this.recoveryStats.partitions }, 'loading partitions');
    }
  }

  /** Resolves when the partitions found at start-up are open: all of them, or those of `topics`. */
  whenOpen(topics?: Iterable<string>): Promise<void> {
    if (topics) return this.opening.topics(topics);
    this.opening.start();
    return this.opening.ready;
  }

  /** Opens the rest of the partitions (those the coordinators need open first): once the broker listens. */
  openAll(): void {
    this.opening.start();
  }

  /** Whether every partition found at start-up is open (or failed to). */
  get allOpen(): boolean {
    return this.opening.done;
  }

  /** The log dir with the fewest partitions, as Kafka places new ones. */
  private pickDir(): string {
    const counts = new Map(this.dirs.map((d) => [d, 0]));
    for (const d of this.dirOf.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    for (const f of this.unopened.values()) counts.set(f.dir, (counts.get(f.dir) ?? 0) + 1);
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
    await this.opening.topics([t.name]);
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
    await this.opening.topics([name]);
    const list = this.partitions(name);
    this.logs.delete(name);
    for (const p of list) {
      await p.close().catch((err: Error) => this.log.warn({ topic: p.topic, partition: p.partition, err: err.message }, 'closing a deleted partition failed'));
      this.dirOf.delete(p);
      await rm(p.dir, { recursive: true, force: true });
    }
  }

  async deletePartition(topic: string, index: number): Promise<void> {
    await this.opening.topics([topic]);
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
    this.openAll();
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
      for (const [k, f] of this.unopened) {
        if (f.dir !== dir) continue;
        recovery.set(k, f.recovery);
        start.set(k, f.logStart);
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
    // Partitions being opened finish; those not started stay as they are on disk (see below).
    await this.opening.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.maintenance.stop();
    // A partition that cannot write its indexes or snapshot (a full disk) does not stop the others;
    // without the clean-shutdown marker the next start recovers the logs instead of trusting them.
    // A partition never opened is as the last shutdown left it: the marker may vouch for it only
    // if that shutdown was clean (else it still needs its recovery).
    let clean = this.openFailures === 0 && [...this.unopened.values()].every((f) => f.clean);
    // Several at once, as they were opened: each close is a few writes and fsyncs, and one after
    // another they kept a 2,000-partition broker stopping for ~8 s.
    await eachLimit(this.all(), OPEN_CONCURRENCY, (p) =>
      p.close().catch((err: Error) => {
        clean = false;
        this.log.error({ topic: p.topic, partition: p.partition, err: err.message }, 'closing a partition log failed; the next start recovers the logs');
      }),
    );
    await this.writeCheckpoints().catch((err: Error) => {
      clean = false;
      this.log.error({ err: err.message }, 'writing the recovery and log start checkpoints failed; the next start recovers the logs');
    });
    await this.files.closeAll();
    if (clean) for (const dir of this.dirs) await writeFile(join(dir, CLEAN_SHUTDOWN), '');
  }
}

/** The topic id a partition directory's partition.metadata names, if it can be read (synchronously: see loadSegments in log-loader.ts). */
function topicIdIn(dir: string): string | undefined {
  try {
    return /topic_id: (\S+)/.exec(readFileSync(join(dir, 'partition.metadata'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
