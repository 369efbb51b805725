/**
 * Producer ids are handed out once and never again, also across restarts: ids are reserved in
 * blocks, and the end of the current block is on disk (written atomically) before any id from it
 * is given out. A restart continues after the last reserved block.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';

const BLOCK = 1000n;

export class ProducerIdAllocator {
  private next = 0n;
  private reservedUntil = 0n;
  private reserving: Promise<void> | undefined;

  private constructor(
    private readonly path: string | undefined,
    /** In a cluster: blocks handed out by the shared control state, unique across brokers. */
    private readonly blocks?: (size: number) => Promise<{ start: bigint; end: bigint }>,
  ) {}

  /** Ids from blocks the cluster's control state reserves for this broker (Kafka's ProducerIdManager). */
  static fromBlocks(blocks: (size: number) => Promise<{ start: bigint; end: bigint }>): ProducerIdAllocator {
    return new ProducerIdAllocator(undefined, blocks);
  }

  /** Ids for a broker without a data directory (storage: 'memory'): unique while it runs. */
  static inMemory(): ProducerIdAllocator {
    return new ProducerIdAllocator(undefined);
  }

  static async open(dir: string): Promise<ProducerIdAllocator> {
    const path = join(dir, 'producer-ids.json');
    const a = new ProducerIdAllocator(path);
    try {
      const stored = JSON.parse(await readFile(path, 'utf8')) as { nextBlock: string };
      a.next = a.reservedUntil = BigInt(stored.nextBlock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return a;
  }

  async allocate(): Promise<bigint> {
    while (this.next >= this.reservedUntil) {
      this.reserving ??= (async () => {
        if (this.blocks) {
          const b = await this.blocks(Number(BLOCK));
          this.next = b.start;
          this.reservedUntil = b.end;
          return;
        }
        const until = this.reservedUntil + BLOCK;
        if (this.path !== undefined) await writeFileAtomic(this.path, JSON.stringify({ nextBlock: until.toString() }));
        this.reservedUntil = until;
      })().finally(() => (this.reserving = undefined));
      await this.reserving;
    }
    return this.next++;
  }
}
