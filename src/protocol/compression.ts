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
 * lz4-napi's asynchronous forms), zstd always does, and xerial snappy works block by block into one
 * preallocated output and gives the loop a turn every few blocks. Small inputs take the synchronous forms, which are
 * several times faster there (a threadpool round trip costs more than the work: see
 * bench/compression.ts). A gzip input small enough for the synchronous form is still stopped at
 * SYNC_MAX bytes of output and redone asynchronously, so a small bomb cannot stall the loop either.
 */
import { gzip, gunzip, gzipSync, gunzipSync, type ZlibOptions } from 'node:zlib';
import { createRequire } from 'node:module';
import { Compression } from './record-batch.js';

const require = createRequire(import.meta.url);

type Snappy = { compressSync(b: Buffer): Buffer; uncompressSync(b: Buffer): Buffer | string; uncompress(b: Buffer): Promise<Buffer | string> };
type Lz4 = {
  compressFrameSync(b: Buffer): Buffer;
  decompressFrameSync(b: Buffer): Buffer;
  compressFrame(b: Buffer): Promise<Buffer>;
  decompressFrame(b: Buffer): Promise<Buffer>;
};
type Zstd = { compress(b: Buffer, level?: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };

/** A native codec, loaded on first use: a broker whose clients never compress does not load it at start-up. */
function lazy<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(name) as T);
}
const snappyLib = lazy<Snappy>('snappy');
const lz4Lib = lazy<Lz4>('lz4-napi');
const zstdLib = lazy<Zstd>('@mongodb-js/zstd');

/** Inputs (and, for gunzip, outputs) up to this size are worked on synchronously (well under 1 ms). */
export const SYNC_MAX = 64 * 1024;
/** gzip compression is slower: 64 KiB take ~2.5 ms, 16 KiB ~0.3 ms. */
const GZIP_SYNC_MAX = 16 * 1024;
/** xerial snappy blocks handled between two turns of the event loop. */
const BLOCKS_PER_TURN = 32;

/**
 * The asynchronous zlib forms write into output chunks that the threadpool fills and that are then
 * concatenated on the main thread; for tens of MB that copy (fresh pages touched) stalls the loop
 * as much as the inflate itself. So the chunk is sized to hold the whole output: for gunzip the
 * size the gzip trailer announces (ISIZE, bounded by deflate's 1032:1 ratio), for gzip the
 * deflate bound of the input. A wrong announcement only costs a concatenation.
 */
function gunzipChunk(data: Buffer): number {
  const announced = data.length >= 18 ? data.readUInt32LE(data.length - 4) + 1 : 0;
  return Math.max(64 * 1024, Math.min(announced, MAX_DECOMPRESSED, data.length * 1032 + 1024));
}
const gzipAsync = (data: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => gzip(data, { chunkSize: data.length + (data.length >> 10) + 1024 }, (err, out) => (err ? reject(err) : resolve(out))));
const gunzipAsync = (data: Buffer, opts: ZlibOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => gunzip(data, { chunkSize: gunzipChunk(data), ...opts }, (err, out) => (err ? reject(err) : resolve(out))));
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
  const out = snappyLib().uncompressSync(buf);
  return typeof out === 'string' ? Buffer.from(out) : out;
}

/** The uncompressed length a raw Snappy block announces (its leading varint). */
function snappyLength(block: Buffer): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    result += (block[i] & 0x7f) * 2 ** shift;
    if ((block[i] & 0x80) === 0) return result;
  }
  throw new Error('bad snappy block length');
}

/**
 * xerial framing: the blocks are located and their lengths summed first, so that the output is one
 * buffer filled block by block (its pages touched a little at a time between turns of the loop)
 * rather than concatenated at the end.
 */
async function xerialDecode(buf: Buffer): Promise<Buffer> {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return buf.length <= SYNC_MAX ? unsnappy(buf) : unsnappyAsync(buf);
  const blocks: Array<[number, number]> = [];
  let total = 0;
  for (let p = 16; p < buf.length; ) {
    if (p + 4 > buf.length) throw new Error('truncated xerial snappy block header');
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0 || p + len > buf.length) throw new Error('truncated xerial snappy block');
    blocks.push([p, len]);
    total += snappyLength(buf.subarray(p, p + len));
    if (total > MAX_DECOMPRESSED) throw new Error('decompressed batch too large');
    p += len;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < blocks.length; i++) {
    const [p, len] = blocks[i];
    const block = unsnappy(buf.subarray(p, p + len));
    if (at + block.length > total) throw new Error('snappy block longer than announced');
    block.copy(out, at);
    at += block.length;
    if ((i + 1) % BLOCKS_PER_TURN === 0 && i + 1 < blocks.length) await turn();
  }
  if (at !== total) throw new Error('snappy block shorter than announced');
  return out;
}

async function unsnappyAsync(buf: Buffer): Promise<Buffer> {
  const out = await snappyLib().uncompress(buf);
  return typeof out === 'string' ? Buffer.from(out) : out;
}

async function xerialEncode(buf: Buffer): Promise<Buffer> {
  const BLOCK = 32 * 1024;
  const blocks = Math.ceil(buf.length / BLOCK);
  // Snappy's bound for a block of n bytes is 32 + n + n/6; written in place, as for decoding.
  const out = Buffer.allocUnsafe(16 + blocks * (4 + 32 + BLOCK + Math.ceil(BLOCK / 6)));
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let at = 16;
  for (let i = 0; i < blocks; i++) {
    const c = snappyLib().compressSync(buf.subarray(i * BLOCK, Math.min(buf.length, (i + 1) * BLOCK)));
    out.writeInt32BE(c.length, at);
    c.copy(out, at + 4);
    at += 4 + c.length;
    if ((i + 1) % BLOCKS_PER_TURN === 0 && i + 1 < blocks) await turn();
  }
  return out.subarray(0, at);
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
      out = data.length <= SYNC_MAX ? lz4Lib().decompressFrameSync(data) : await lz4Lib().decompressFrame(data);
      break;
    case Compression.ZSTD:
      out = await zstdLib().decompress(data);
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
      return data.length <= SYNC_MAX ? lz4Lib().compressFrameSync(data) : lz4Lib().compressFrame(data);
    case Compression.ZSTD:
      return zstdLib().compress(data, 3);
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
}
