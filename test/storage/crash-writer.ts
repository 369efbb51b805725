/**
 * Child process for crash.test.ts: opens (recovering) the log in argv[2] and appends batches as
 * fast as it can, printing "ack <lastOffset> <seq>" after each acknowledged append, until killed.
 */
import { join } from 'node:path';
import { existsSync, writeSync } from 'node:fs';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { FileCache } from '../../src/storage/file-cache.js';
import { createBatch } from '../../src/protocol/records.js';
import { validateProducedBatch } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import { baseConfig } from './helpers.js';

const dir = process.argv[2];
const fsyncOnAck = process.argv[3] === 'fsync';
const config = { ...baseConfig, fsyncOnAck, segmentBytes: 256 * 1024, indexIntervalBytes: 1024 };
const files = new FileCache(100);
const path = join(dir, 't-0');
const log = existsSync(path)
  ? await PartitionLog.open(path, 't', 0, { clean: false, recoveryPoint: 0, logStartOffset: 0 }, () => config, files, silentLogger)
  : await PartitionLog.create(path, 't', 0, '11111111-2222-4333-8444-555555555555', () => config, files, silentLogger);

/** stdout is a non-blocking pipe: a full pipe answers EAGAIN, so retry until the parent reads. */
function say(line: string): void {
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

// Each record's value is its own offset, so the reader can check every byte it gets back.
let next = log.nextOffset;
say(`ready ${next}\n`);
const inflight = new Set<Promise<void>>();
for (;;) {
  const n = 1 + (next % 7);
  const records = Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`offset-${next + i}-`.padEnd(100 + ((next + i) % 300), 'x')) }));
  next += n;
  const buf = createBatch(records);
  const p = log.append(buf, validateProducedBatch(buf)).then((r) => {
    say(`ack ${r.lastOffset}\n`);
  });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= 32) await Promise.race(inflight);
}
