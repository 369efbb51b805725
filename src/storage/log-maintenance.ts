/**
 * The background work both stores run over their logs (log-manager.ts for files,
 * memory-log-store.ts for memory): retention every log.retention.check.interval.ms and compaction
 * every log.cleaner.backoff.ms, by the same code for either kind of log. Both change segment
 * lists, so they take turns on one chain.
 */
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import type { Log } from './log.js';
import { retentionPass } from './log-retention.js';
import { cleanerOptions, compactionPass, repeatAfterBackoff } from './cleaner.js';

export class LogMaintenance {
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopCompaction: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly logs: () => Log[],
    private readonly log: Logger,
  ) {}

  start(): void {
    const every = Math.min(this.config.num('log.retention.check.interval.ms'), 2 ** 31 - 1);
    this.timer = setInterval(() => void this.runRetention(), every).unref();
    this.stopCompaction = repeatAfterBackoff(() => this.config.num('log.cleaner.backoff.ms'), () => this.runCompaction(), () => this.stopped);
  }

  /** Whatever it was given, a task runs after the ones before it have ended. */
  serially(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  runRetention(now = Date.now()): Promise<void> {
    return this.serially(() => retentionPass(this.logs(), now, this.config.int('producer.id.expiration.ms'), this.log));
  }

  runCompaction(now = Date.now()): Promise<void> {
    return this.serially(() => compactionPass(this.logs(), now, cleanerOptions(this.config, () => this.stopped), this.log));
  }

  /** Stops the timers and a running compaction (between batches); resolves when the chain is idle. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopCompaction?.();
    await this.chain;
  }
}
