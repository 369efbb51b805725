/** Promise wrappers over the fd-based fs calls (cheaper than FileHandle on the hot path). */
import * as fs from 'node:fs';

export function open(path: string, flags: string | number, mode = 0o644): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function close(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** What is left of `list` once its first `written` bytes are out. */
function afterShortWrite(list: Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const b of list) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

/** Writes every buffer at `position`, looping over short writes. */
export async function writevAll(fd: number, bufs: Buffer[], position: number): Promise<void> {
  let list = bufs;
  let pos = position;
  while (list.length > 0) {
    const written = await new Promise<number>((resolve, reject) =>
      fs.writev(fd, list, pos, (err, n) => (err ? reject(err) : resolve(n))),
    );
    pos += written;
    list = afterShortWrite(list, written);
  }
}

/** Reads up to `length` bytes at `position` into a new buffer; shorter at end of file. */
export async function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, got, length - got, position + got, (err, bytes) => (err ? reject(err) : resolve(bytes))),
    );
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * readAt without the threadpool, for a small read of bytes just written (the page cache has them):
 * a round trip through the threadpool costs more than the copy, and far more on a loaded machine,
 * where each thread hop waits for a core. Never for cold data: the event loop would wait on the disk.
 */
export function readAtSync(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

export function ftruncate(fd: number, len: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, len, (err) => (err ? reject(err) : resolve())));
}

export function fstatSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size))));
}

/** Synchronous writev of a small group: cheaper than a threadpool round trip for a few KiB. */
export function writevAllSync(fd: number, bufs: Buffer[], position: number): void {
  let list = bufs;
  let pos = position;
  while (list.length > 0) {
    const written = fs.writevSync(fd, list, pos);
    pos += written;
    list = afterShortWrite(list, written);
  }
}
