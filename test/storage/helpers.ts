import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { FileCache } from '../../src/storage/file-cache.js';
import { resolveLogConfig, type LogConfig } from '../../src/storage/log-config.js';
import { BrokerConfig } from '../../src/config/config.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import type { Log } from '../../src/storage/log.js';
import { expect } from 'vitest';
import { batchRecords } from '../../src/protocol/batch-records.js';
import { isIntactBatch } from '../../src/protocol/record-batch.js';

/** The broker's defaults, as a partition of a topic without overrides gets them. */
export const baseConfig: LogConfig = resolveLogConfig(new BrokerConfig({}));

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'runnel-test-'));
}

export function batch(n: number, opts: { size?: number; timestamp?: number; tag?: string } = {}): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.alloc(opts.size ?? 10, `${opts.tag ?? 'v'}${i}`),
    timestamp: opts.timestamp,
  }));
  return createBatch(records, { baseTimestamp: opts.timestamp });
}

export async function newLog(dir: string, cfg: Partial<LogConfig> = {}, files = new FileCache(100)) {
  const config = { ...baseConfig, ...cfg };
  return PartitionLog.create(join(dir, 't-0'), 't', 0, '11111111-2222-4333-8444-555555555555', () => config, files, silentLogger);
}

export async function reopen(dir: string, opts: { clean: boolean; recoveryPoint?: number; logStartOffset?: number }, cfg: Partial<LogConfig> = {}) {
  const config = { ...baseConfig, ...cfg };
  return PartitionLog.open(join(dir, 't-0'), 't', 0, { clean: opts.clean, recoveryPoint: opts.recoveryPoint ?? 0, logStartOffset: opts.logStartOffset ?? 0 }, () => config, new FileCache(100), silentLogger);
}

export async function appendBatch(log: PartitionLog, buf: Buffer, now?: number) {
  return log.append(buf, validateProducedBatch(buf), now);
}

/** Every batch in `records` as [baseOffset, lastOffset]. */
export function batchRanges(records: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let p = 0;
  while (p < records.length) {
    const base = Number(records.readBigInt64BE(p));
    out.push([base, base + records.readInt32BE(p + 23)]);
    p += records.readInt32BE(p + 8) + 12;
  }
  return out;
}

/** Every record of a log from its start (offset, key, value: null for a tombstone), each batch checked intact. */
export async function readRecords(log: Log): Promise<Array<{ offset: number; key: string; value: string | null }>> {
  const out: Array<{ offset: number; key: string; value: string | null }> = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, 1 << 20);
    if (records.length === 0) break;
    let p = 0;
    let last = offset;
    while (p < records.length) {
      const size = records.readInt32BE(p + 8) + 12;
      const batch = records.subarray(p, p + size);
      expect(isIntactBatch(batch, 0)).toBe(true);
      for (const r of await batchRecords(batch)) out.push({ offset: Number(r.offset), key: r.key!.toString(), value: r.value ? r.value.toString() : null });
      last = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
      p += size;
    }
    offset = last;
  }
  return out;
}
