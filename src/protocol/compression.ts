/**
 * The record codecs of Kafka batches (attributes bits 0-2). The broker only needs them where it
 * must look inside a compressed batch: recompression for a topic's compression.type, timestamp
 * lookups, compaction. Native codecs: node:zlib (gzip), snappy and lz4-napi (napi-rs builds) and
 * @mongodb-js/zstd; all ship prebuilt binaries through npm.
 *
 * Formats as Kafka writes them: gzip streams, Snappy in xerial's framing (what the Java client
 * sends; raw Snappy blocks from other clients are read too), the LZ4 frame format, zstd frames.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { Compression } from './record-batch.js';

const require = createRequire(import.meta.url);
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer; uncompressSync(b: Buffer): Buffer | string };
const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer): Buffer; decompressFrameSync(b: Buffer): Buffer };
const zstd = require('@mongodb-js/zstd') as { compress(b: Buffer, level?: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };

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

function xerialDecode(buf: Buffer): Buffer {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return unsnappy(buf);
  const parts: Buffer[] = [];
  let total = 0;
  let p = 16;
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
  }
  return Buffer.concat(parts, total);
}

function xerialEncode(buf: Buffer): Buffer {
  const BLOCK = 32 * 1024;
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])];
  for (let p = 0; p < buf.length; p += BLOCK) {
    const c = snappy.compressSync(buf.subarray(p, Math.min(buf.length, p + BLOCK)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(c.length);
    parts.push(len, c);
  }
  return Buffer.concat(parts);
}

export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  let out: Buffer;
  switch (codec) {
    case Compression.NONE:
      return data;
    case Compression.GZIP:
      out = gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED });
      break;
    case Compression.SNAPPY:
      out = xerialDecode(data);
      break;
    case Compression.LZ4:
      out = lz4.decompressFrameSync(data);
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
      return gzipSync(data);
    case Compression.SNAPPY:
      return xerialEncode(data);
    case Compression.LZ4:
      return lz4.compressFrameSync(data);
    case Compression.ZSTD:
      return zstd.compress(data, 3);
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
}
