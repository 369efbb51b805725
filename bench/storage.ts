/**
 * Log append and read throughput beside the raw speed of the same disk, measured in the same run
 * with the same bytes (plain sequential write then read). Figures are printed, never asserted.
 *   npx tsx bench/storage.ts [MiB per case, default 256] [dir]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { openSync, writeSync, fsyncSync, closeSync, readSync, read } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionLog } from '../src/storage/partition-log.js';
import { FileCache } from '../src/storage/file-cache.js';
import { createBatch } from '../src/protocol/records.js';
import { validateProducedBatch } from '../src/protocol/record-batch.js';
import { silentLogger } from '../src/util/logger.js';
import { resolveLogConfig, type LogConfig } from '../src/storage/log-config.js';
import { BrokerConfig } from '../src/config/config.js';

const mib = Number(process.argv[2] ?? 256);
const base = process.argv[3] ?? tmpdir();
const total = mib * 1024 * 1024;

// The broker's defaults (1 GiB segments, no forced flushes), keeping everything for the run.
const config: LogConfig = { ...resolveLogConfig(new BrokerConfig({})), retentionMs: -1, maxMessageBytes: 1 << 30 };

async function one(recordSize: number, batchBytes: number): Promise<void> {
  const dir = await mkdtemp(join(base, 'runnel-bench-'));
  const perBatch = Math.max(1, Math.floor(batchBytes / (recordSize + 10)));
  const template = createBatch(Array.from({ length: perBatch }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(recordSize, i) })));
  const batches = Math.ceil(total / template.length);
  const bytes = batches * template.length;

  // Raw disk: the same bytes written sequentially in the same chunk size, then fsync; read back.
  const rawPath = join(dir, 'raw.bin');
  let t = performance.now();
  const fd = openSync(rawPath, 'w+');
  for (let i = 0; i < batches; i++) writeSync(fd, template);
  fsyncSync(fd);
  const rawWrite = bytes / ((performance.now() - t) / 1000);
  t = performance.now();
  const rbuf = Buffer.allocUnsafe(1024 * 1024);
  let pos = 0;
  while (pos < bytes) pos += readSync(fd, rbuf, 0, rbuf.length, pos);
  const rawRead = bytes / ((performance.now() - t) / 1000);
  // The same file read the way a broker has to: off the event loop, into a new buffer each time,
  // because the buffer goes to a socket and cannot be reused while the write is pending.
  t = performance.now();
  pos = 0;
  while (pos < bytes) {
    const fresh = Buffer.allocUnsafe(1024 * 1024);
    pos += await new Promise<number>((resolve, reject) => read(fd, fresh, 0, fresh.length, pos, (err, n) => (err ? reject(err) : resolve(n))));
  }
  const rawFreshRead = bytes / ((performance.now() - t) / 1000);
  closeSync(fd);
  await rm(rawPath);

  // The log: validate (CRC), stamp offsets, append with up to 64 in flight, fsync at the end.
  const log = await PartitionLog.create(join(dir, 'bench-0'), 'bench', 0, '11111111-2222-4333-8444-555555555555', () => config, new FileCache(100), silentLogger);
  // Each append gets its own buffer, as each produce request brings its own; made before timing.
  const copies = Array.from({ length: batches }, () => Buffer.from(template));
  t = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < batches; i++) {
    const b = copies[i];
    inflight.push(log.append(b, validateProducedBatch(b)));
    if (inflight.length >= 64) await inflight.shift();
  }
  await Promise.all(inflight);
  await log.flush();
  const logWrite = bytes / ((performance.now() - t) / 1000);
  t = performance.now();
  let offset = 0;
  let readBytes = 0;
  while (offset < log.highWatermark) {
    const r = await log.read(offset, 1024 * 1024);
    readBytes += r.records.length;
    const lastStart = r.records.length - template.length;
    offset = Number(r.records.readBigInt64BE(lastStart)) + perBatch;
  }
  const logRead = readBytes / ((performance.now() - t) / 1000);
  await log.close();
  await rm(dir, { recursive: true, force: true });

  const f = (x: number): string => `${(x / 1e6).toFixed(0).padStart(6)} MB/s`;
  console.log(
    `${String(recordSize).padStart(5)} B records, ${perBatch} per batch (${template.length} B):` +
      `  append ${f(logWrite)} vs raw write ${f(rawWrite)} = ${((logWrite / rawWrite) * 100).toFixed(0)}%` +
      `   read ${f(logRead)} vs raw read ${f(rawRead)} = ${((logRead / rawRead) * 100).toFixed(0)}%` +
      `, vs async reads into new buffers ${f(rawFreshRead)} = ${((logRead / rawFreshRead) * 100).toFixed(0)}%`,
  );
}

console.log(`storage bench: ${mib} MiB per case in ${base}`);
await one(1024, 16 * 1024);
await one(100, 16 * 1024);
await one(1024, 256 * 1024);
