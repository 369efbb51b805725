/**
 * The record codecs of Kafka batches (attributes bits 0-2). The broker only needs them where it
 * must look inside a compressed batch: recompression for a topic's compression.type, timestamp
 * lookups, compaction. Native codecs: node:zlib (gzip), snappy and lz4-napi (napi-rs builds) and
 * @mongodb-js/zstd; all ship prebuilt binaries through npm.
 *
 * Formats as Kafka writes them: gzip streams, Snappy in xerial's framing (what the Java client
 * sends; raw Snappy blocks from other clients are read too), the LZ4 frame format, zstd frames.
 *
 * Large inputs never hold the event loop: gzip and lz4 run on the libuv threadpool (zlib's and
 * lz4-napi's asynchronous forms), zstd always does, and xerial snappy works block by block and
 * gives the loop a turn every few blocks. Small inputs take the synchronous forms, which are
 * several times faster there (a threadpool round trip costs more than the work: see
 * bench/compression.ts). A gzip input small enough for the synchronous form is still stopped at
 * SYNC_MAX bytes of output and redone asynchronously, so a small bomb cannot stall the loop either.
 */
import { gzip, gunzip, gzipSync, gunzipSync, type ZlibOptions } from 'node:zlib';
import { createRequire } from 'node:module';
import { Compression } from './record-batch.js';

const require = createRequire(import.meta.url);
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer; uncompressSync(b: Buffer): Buffer | string; uncompress(b: Buffer): Promise<Buffer | string> };
const lz4 = require('lz4-napi') as {
  compressFrameSync(b: Buffer): Buffer;
  decompressFrameSync(b: Buffer): Buffer;
  compressFrame(b: Buffer): Promise<Buffer>;
  decompressFrame(b: Buffer): Promise<Buffer>;
};
const zstd = require('@mongodb-js/zstd') as { compress(b: Buffer, level?: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };

/** Inputs (and, for gunzip, outputs) up to this size are worked on synchronously (well under 1 ms). */
export const SYNC_MAX = 64 * 1024;
/** gzip compression is slower: 64 KiB take ~2.5 ms, 16 KiB ~0.3 ms. */
const GZIP_SYNC_MAX = 16 * 1024;
/** xerial snappy blocks handled between two turns of the event loop. */
const BLOCKS_PER_TURN = 32;

const gzipAsync = (data: Buffer): Promise<Buffer> => new Promise((resolve, reject) => gzip(data, (err, out) => (err ? reject(err) : resolve(out))));
const gunzipAsync = (data: Buffer, opts: ZlibOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => gunzip(data, opts, (err, out) => (err ? reject(err) : resolve(out))));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** No batch legitimately expands beyond this; a larger result is refused as a decompression bomb. */
export const MAX_DECOMPRESSED = 512 * 1024 * 1024;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export function codecId(name: string): number {
  const i = (CODEC_NAMES as readonly string[]).indexOf(name === 'uncompressed' ? 'none' : name);
  if (i < 0) throw new Error(`unknown compression codec ${name}`);
  return i;
}

function unsnappy(buf: Buffer): Buffer {
  const out = snappy.uncompressSync(buf);
  return typeof out === 'string' ? Buffer.from(out) : out;
}

async function xerialDecode(buf: Buffer): Promise<Buffer> {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return buf.length <= SYNC_MAX ? unsnappy(buf) : unsnappyAsync(buf);
  const parts: Buffer[] = [];
  let total = 0;
  let p = 16;
  let blocks = 0;
  while (p < buf.length) {
    if (p + 4 > buf.length) throw new Error('truncated xerial snappy block header');
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0 || p + len > buf.length) throw new Error('truncated xerial snappy block');
    const block = unsnappy(buf.subarray(p, p + len));
    total += block.length;
    if (total > MAX_DECOMPRESSED) throw new Error('decompressed batch too large');
    parts.push(block);
    p += len;
    if (++blocks % BLOCKS_PER_TURN === 0 && p < buf.length) await turn();
  }
  return Buffer.concat(parts, total);
}

async function unsnappyAsync(buf: Buffer): Promise<Buffer> {
  const out = await snappy.uncompress(buf);
  return typeof out === 'string' ? Buffer.from(out) : out;
}

async function xerialEncode(buf: Buffer): Promise<Buffer> {
  const BLOCK = 32 * 1024;
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])];
  let blocks = 0;
  for (let p = 0; p < buf.length; p += BLOCK) {
    const c = snappy.compressSync(buf.subarray(p, Math.min(buf.length, p + BLOCK)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(c.length);
    parts.push(len, c);
    if (++blocks % BLOCKS_PER_TURN === 0 && p + BLOCK < buf.length) await turn();
  }
  return Buffer.concat(parts);
}

/** gunzip, synchronously while the output stays small. */
async function ungzip(data: Buffer): Promise<Buffer> {
  if (data.length <= SYNC_MAX) {
    try {
      return gunzipSync(data, { maxOutputLength: SYNC_MAX });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw err;
    }
  }
  return gunzipAsync(data, { maxOutputLength: MAX_DECOMPRESSED });
}

export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  let out: Buffer;
  switch (codec) {
    case Compression.NONE:
      return data;
    case Compression.GZIP:
      out = await ungzip(data);
      break;
    case Compression.SNAPPY:
      out = await xerialDecode(data);
      break;
    case Compression.LZ4:
      out = data.length <= SYNC_MAX ? lz4.decompressFrameSync(data) : await lz4.decompressFrame(data);
      break;
    case Compression.ZSTD:
      out = await zstd.decompress(data);
      break;
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
  if (out.length > MAX_DECOMPRESSED) throw new Error('decompressed batch too large');
  return out;
}

export async function compress(codec: number, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case Compression.NONE:
      return data;
    case Compression.GZIP:
      return data.length <= GZIP_SYNC_MAX ? gzipSync(data) : gzipAsync(data);
    case Compression.SNAPPY:
      return xerialEncode(data);
    case Compression.LZ4:
      return data.length <= SYNC_MAX ? lz4.compressFrameSync(data) : lz4.compressFrame(data);
    case Compression.ZSTD:
      return zstd.compress(data, 3);
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
}
