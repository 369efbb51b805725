/**
 * The leader-epoch side of a Log, kept the same way by the file log and the in-memory log: the
 * current leader epoch and the cache of where each epoch starts. A log says where it ends, and
 * how a change to the cache is kept (the file log writes its leader-epoch-checkpoint).
 */
import { LeaderEpochCache, type EpochEndOffset } from './epoch-cache.js';
import type { EpochEntry } from './leader-epochs.js';

export abstract class EpochLog {
  leaderEpoch = 0;
  protected epochs = new LeaderEpochCache([{ epoch: 0, startOffset: 0 }]);

  abstract readonly logEndOffset: number;

  /** After assignLeaderEpoch changed the cache; nothing to do for a log without files. */
  protected epochsChanged(): Promise<void> {
    return Promise.resolve();
  }

  /** A newer leader epoch (from the metadata image) starts at the log end offset; older ones are ignored. */
  async assignLeaderEpoch(epoch: number): Promise<void> {
    if (epoch <= this.leaderEpoch) return;
    this.leaderEpoch = epoch;
    if (this.epochs.assign(epoch, this.logEndOffset)) await this.epochsChanged();
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.logEndOffset);
  }

  latestEpoch(): number {
    return this.epochs.latestEpoch();
  }

  epochEntries(): EpochEntry[] {
    return this.epochs.entries();
  }
}
