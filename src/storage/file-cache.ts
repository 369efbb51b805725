/**
 * A bounded pool of open file descriptors shared by every segment, so that thousands of partitions
 * do not exhaust the process's descriptors: files are opened on first use and the least recently
 * used idle one is closed when the pool is full. A descriptor in use is never closed under its user:
 * eviction skips it, and forget() defers the close until the last user releases it (a closed fd
 * number can be reused by the OS for another file, so closing early could read the wrong file).
 */
import { constants } from 'node:fs';
import { open, close } from './fs-ops.js';

interface Entry {
  path: string;
  fd: Promise<number>;
  refs: number;
  lastUsed: number;
  doomed: boolean;
}

export interface FileHandle {
  fd: number;
  release(): void;
}

const RW_CREATE = constants.O_RDWR | constants.O_CREAT;

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private tick = 0;

  constructor(readonly maxOpen = 1000) {}

  get openCount(): number {
    return this.entries.size;
  }

  /** A descriptor for reading and writing `path` (created if missing); release() it when done. */
  async acquire(path: string): Promise<FileHandle> {
    let e = this.entries.get(path);
    if (!e) {
      const entry: Entry = { path, fd: open(path, RW_CREATE), refs: 0, lastUsed: 0, doomed: false };
      entry.fd.catch(() => {
        if (this.entries.get(path) === entry) this.entries.delete(path);
      });
      this.entries.set(path, entry);
      e = entry;
    }
    const entry = e;
    // Counted as in use before anything is evicted, so the eviction cannot pick this entry.
    entry.refs++;
    entry.lastUsed = ++this.tick;
    this.evict();
    let fd: number;
    try {
      fd = await entry.fd;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    let released = false;
    return {
      fd,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.doomed && entry.refs === 0) void close(fd).catch(() => undefined);
        else this.evict();
      },
    };
  }

  async with<T>(path: string, fn: (fd: number) => Promise<T>): Promise<T> {
    const h = await this.acquire(path);
    try {
      return await fn(h.fd);
    } finally {
      h.release();
    }
  }

  /** Drops `path` from the pool (before it is deleted or renamed); closed now or when its last user releases it. */
  async forget(path: string): Promise<void> {
    const e = this.entries.get(path);
    if (!e) return;
    this.entries.delete(path);
    e.doomed = true;
    const fd = await e.fd.catch(() => -1);
    if (fd >= 0 && e.refs === 0) await close(fd).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((p) => this.forget(p)));
  }

  private evict(): void {
    if (this.entries.size <= this.maxOpen) return;
    const idle = [...this.entries.values()].filter((e) => e.refs === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle) {
      if (this.entries.size <= this.maxOpen) break;
      this.entries.delete(e.path);
      void e.fd.then((fd) => close(fd)).catch(() => undefined);
    }
  }
}
