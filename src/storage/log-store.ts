/**
 * The partition logs of a broker, as the rest of the broker uses them: the file logs of the
 * log.dirs (log-manager.ts) or, with `storage: 'memory'`, logs kept in memory
 * (memory-log-store.ts). Handlers see only LogStore.
 */
import type { TopicInfo } from '../cluster/topics.js';
import type { Log } from './log.js';

/** What handlers and coordinators need from storage. */
export interface LogStore {
  partition(topic: string, index: number): Log | undefined;
  partitions(topic: string): Log[];
  /** Writes the log start offsets now (after DeleteRecords), so they survive a crash. */
  checkpointLogStartOffsets(): Promise<void>;
}

export interface RecoveryStats {
  partitions: number;
  recovered: number;
  cleanDirs: number;
  ms: number;
}

/** What the broker, the topic manager and the metrics need besides. */
export interface BrokerLogs extends LogStore {
  readonly recoveryStats: RecoveryStats;
  /**
   * Resolves when the logs found at start-up are open (recovered after a crash): all of them, or
   * those of `topics`. Until then `partition()` does not return the ones still opening.
   */
  whenOpen(topics?: Iterable<string>): Promise<void>;
  /** Whether whenOpen() has resolved: requests that need logs wait for it until then. */
  readonly allOpen: boolean;
  all(): Log[];
  /**
   * Creates the missing partition logs of a topic (new topic, or CreatePartitions). In a cluster
   * only the partitions `hosted` here get a log: the lists are then sparse.
   */
  ensureTopic(t: TopicInfo, hosted?: (index: number) => boolean): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Closes and removes one partition's log (a replica moved away by a reassignment). */
  deletePartition(topic: string, index: number): Promise<void>;
  /** Called with the duration of every log fsync (the broker's metrics). */
  onFsync: ((seconds: number) => void) | undefined;
  /** Retention (and for files: compaction, flushes, checkpoints) on timers. */
  startBackgroundWork(): void;
  runRetention(now?: number): Promise<void>;
  close(): Promise<void>;
}

/** Partition logs by topic and index, looked up the same way in either store. */
export class TopicLogs<L extends Log> {
  protected readonly logs = new Map<string, L[]>();

  partition(topic: string, index: number): L | undefined {
    return this.logs.get(topic)?.[index];
  }

  /** The logs of a topic hosted here, in index order (a cluster hosts only some of them). */
  partitions(topic: string): L[] {
    return (this.logs.get(topic) ?? []).filter((l) => l !== undefined);
  }

  all(): L[] {
    return [...this.logs.values()].flat();
  }
}
