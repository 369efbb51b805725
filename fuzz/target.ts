/**
 * All the fuzz targets of fuzz/targets/ in one (the run CI makes, and what
 * test/protocol/decoder-fuzz.test.ts feeds its seeded mutations): the first byte picks request
 * framing, one request decoder at one version, a record batch, or Produce's checks of a
 * partition's records; the rest goes to that target. Only the exceptions the broker expects are
 * allowed (fuzz/targets/expected.ts); anything else is a finding, and so is a hang.
 */
import { fuzz as framing } from './targets/framing.js';
import { fuzz as decoders } from './targets/decoders.js';
import { fuzz as batch } from './targets/batch.js';
import { fuzz as produce } from './targets/produce.js';

const TARGETS = [framing, decoders, batch, produce];

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  TARGETS[data[0] % TARGETS.length](data.subarray(1));
}
