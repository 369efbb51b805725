/**
 * A partition's leader-epoch-checkpoint, in Kafka's format (LeaderEpochCheckpointFile): a version
 * line (0), a count line, then one "epoch startOffset" line per leader epoch the log has seen, in
 * order (the entries of epoch-cache.ts). Written crash-safely.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

export function formatLeaderEpochs(entries: readonly EpochEntry[]): string {
  return `0\n${entries.length}\n${entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`;
}

/**
 * The entries of `dir`'s checkpoint; [{0, 0}] when it is missing or unreadable (as every log had
 * before epochs changed). A well-formed checkpoint with no entries (a log truncated to before its
 * first epoch) reads as none.
 */
export function readLeaderEpochs(dir: string): EpochEntry[] {
  let text: string;
  try {
    // Synchronous: a few bytes, read once per partition while the logs open (see loadSegments in log-loader.ts).
    text = readFileSync(join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8');
  } catch {
    return [{ epoch: 0, startOffset: 0 }];
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 2 && lines[0].trim() === '0' && lines[1].trim() === '0') return [];
  const entries: EpochEntry[] = [];
  for (const l of lines.slice(2)) {
    const [epoch, start] = l.trim().split(/\s+/).map(Number);
    // A damaged line (not two numbers, negative, or not after the previous entry) is skipped.
    const prev = entries[entries.length - 1];
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(start) || epoch < 0 || start < 0) continue;
    if (prev && (epoch <= prev.epoch || start < prev.startOffset)) continue;
    entries.push({ epoch, startOffset: start });
  }
  return entries.length > 0 ? entries : [{ epoch: 0, startOffset: 0 }];
}

export function writeLeaderEpochs(dir: string, entries: readonly EpochEntry[]): Promise<void> {
  return writeFileAtomic(join(dir, LEADER_EPOCH_CHECKPOINT), formatLeaderEpochs(entries));
}
