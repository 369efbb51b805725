/**
 * Kafka's offset checkpoint files (recovery-point-offset-checkpoint, log-start-offset-checkpoint):
 *   0            version
 *   N            number of entries
 *   topic p off  one line per partition
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/fs.js';

export type Checkpoint = Map<string, number>;

export const key = (topic: string, partition: number): string => `${topic} ${partition}`;

export async function readCheckpoint(path: string): Promise<Checkpoint> {
  const out: Checkpoint = new Map();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return out;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== '0') return out;
  for (const line of lines.slice(2)) {
    const m = /^(\S+) (\d+) (-?\d+)$/.exec(line.trim());
    if (m) out.set(key(m[1], Number(m[2])), Number(m[3]));
  }
  return out;
}

export async function writeCheckpoint(path: string, entries: Checkpoint): Promise<void> {
  const lines = ['0', String(entries.size), ...[...entries].map(([k, v]) => `${k} ${v}`)];
  await writeFileAtomic(path, `${lines.join('\n')}\n`);
}
