/**
 * Replacing a segment's file with its compacted rewrite so that a crash at any moment leaves a
 * valid log, after Kafka's .cleaned → .swap → rename sequence (one segment replaced by one file of
 * the same base offset here, so the old files need no .deleted stage):
 *
 *   1. the rewrite is streamed to `<base>.log.cleaned` and fsynced;
 *   2. it is renamed to `<base>.log.swap` and the directory fsynced: the commit point;
 *   3. the old `<base>.index` / `<base>.timeindex` are deleted (they describe the old file), the
 *      swap file is renamed over `<base>.log`, and the new indexes are written.
 *
 * Recovery at open (recoverCleanerLeftovers): a `.cleaned` file is an uncommitted rewrite and is
 * deleted (the original is intact); a `.log.swap` file is a committed one, so step 3 is finished.
 * A segment left without index files rebuilds them from its log when first used.
 */
import { rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../util/fs.js';
import { open, close, fsync, writevAll } from './fs-ops.js';

export const cleanedPath = (logPath: string): string => `${logPath}.cleaned`;
export const swapPath = (logPath: string): string => `${logPath}.swap`;

const SWAP_LOG = /^(\d{20})\.log\.swap$/;

/** Finishes committed swaps and drops uncommitted rewrites; returns whether anything was changed. */
export async function recoverCleanerLeftovers(dir: string, names: string[]): Promise<boolean> {
  let changed = false;
  for (const n of names) {
    if (n.endsWith('.tmp') || n.endsWith('.cleaned')) {
      await rm(join(dir, n), { force: true });
      changed = true;
      continue;
    }
    const m = SWAP_LOG.exec(n);
    if (m) {
      await installFiles(join(dir, `${m[1]}.log`));
      changed = true;
    } else if (n.endsWith('.swap')) {
      await rm(join(dir, n), { force: true });
      changed = true;
    }
  }
  if (changed) await fsyncDir(dir);
  return changed;
}

/** Step 3 without the new indexes: what a live swap and a recovery have in common. */
export async function installFiles(logPath: string): Promise<void> {
  const base = logPath.slice(0, -'.log'.length);
  await rm(`${base}.index`, { force: true });
  await rm(`${base}.timeindex`, { force: true });
  await rename(swapPath(logPath), logPath);
}

/** Step 2: the rewrite becomes the segment's content, whatever happens next. */
export async function commitSwap(logPath: string, dir: string): Promise<void> {
  await rename(cleanedPath(logPath), swapPath(logPath));
  await fsyncDir(dir);
}

export async function discardRewrite(logPath: string): Promise<void> {
  await rm(cleanedPath(logPath), { force: true });
  await rm(swapPath(logPath), { force: true });
}

/**
 * Step 1: a `.cleaned` file written in chunks through the threadpool. Buffers handed to write() are
 * kept (not copied) until the next flush, so the caller must not reuse them; at most about
 * `flushBytes` are held at once.
 */
export class CleanedWriter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes handed to write(), flushed or not. */
  position = 0;
  private flushed = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly flushBytes: number,
  ) {}

  static async create(logPath: string, flushBytes = 1024 * 1024): Promise<CleanedWriter> {
    const path = cleanedPath(logPath);
    return new CleanedWriter(path, await open(path, 'w'), flushBytes);
  }

  async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.parts.push(buf);
    this.pendingBytes += buf.length;
    this.position += buf.length;
    if (this.pendingBytes >= this.flushBytes) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const parts = this.parts;
    this.parts = [];
    const at = this.flushed;
    this.flushed += this.pendingBytes;
    this.pendingBytes = 0;
    // Many small batches: one copy is cheaper than a writev split at IOV_MAX.
    await writevAll(this.fd, parts.length > 64 ? [Buffer.concat(parts)] : parts, at);
  }

  /** Flushes, fsyncs and closes; the file keeps `mtimeMs` as its modification time. */
  async finish(mtimeMs: number): Promise<void> {
    try {
      await this.flush();
      await fsync(this.fd);
    } finally {
      await close(this.fd);
    }
    await utimes(this.path, new Date(), new Date(mtimeMs));
  }

  async abort(): Promise<void> {
    this.parts = [];
    await close(this.fd).catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
