/**
 * Writes the committed seed corpora fuzz/corpus/<target>/ (run again only when the targets' input
 * layout changes): the request frames real clients sent (../shared/captures), laid out for each
 * target, the record batches inside their Produce requests, and batches made by createBatch.
 *
 *   npx tsx fuzz/make-corpus.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHeader } from '../src/protocol/header.js';
import { apiCodecList } from '../src/protocol/messages/index.js';
import { createBatch } from '../src/protocol/records.js';
import { handlerRegistry } from '../src/handlers/index.js';

const FUZZ_DIR = import.meta.dirname;
const CAPTURES = join(FUZZ_DIR, '..', '..', 'shared', 'captures');
const MAX_LEN = 4096;
/** The selector byte of each target in fuzz/target.ts. */
const SELECTOR = { framing: 0, decoders: 1, batch: 2, produce: 3 } as const;
type Target = keyof typeof SELECTOR;

const seeds: Record<Target, Buffer[]> = { framing: [], decoders: [], batch: [], produce: [] };
/** fuzz/targets/handlers.ts (not part of fuzz/target.ts): handler index, version offset, body. */
const handlerSeeds: Buffer[] = [];
const handlers = [...handlerRegistry.values()];

function frames(): Buffer[] {
  if (!existsSync(CAPTURES)) throw new Error(`no captures at ${CAPTURES}`);
  const out: Buffer[] = [];
  for (const client of readdirSync(CAPTURES, { withFileTypes: true })) {
    if (!client.isDirectory()) continue;
    for (const f of readdirSync(join(CAPTURES, client.name)).sort()) if (f.endsWith('.req.bin')) out.push(readFileSync(join(CAPTURES, client.name, f)));
  }
  return out;
}

function batchesOf(body: unknown): Buffer[] {
  const req = body as { topicData?: Array<{ partitionData: Array<{ records: Buffer | null }> }> };
  return (req.topicData ?? []).flatMap((t) => t.partitionData.map((p) => p.records).filter((r): r is Buffer => r !== null && r.length > 0));
}

for (const frame of frames()) {
  const sized = Buffer.alloc(4);
  sized.writeInt32BE(frame.length);
  // framing: the cut unit, then the stream (two frames back to back).
  seeds.framing.push(Buffer.concat([Buffer.from([frame.length % 16]), sized, frame, sized, frame]));
  const { header, reader, codec } = readHeader(frame);
  if (!codec) continue;
  const index = apiCodecList.indexOf(codec);
  seeds.decoders.push(Buffer.concat([Buffer.from([index, header.requestApiVersion - codec.minVersion]), frame.subarray(reader.pos)]));
  const handler = handlers.findIndex((h) => h.apiKey === codec.key);
  const served = handlers[handler];
  if (served && header.requestApiVersion >= served.minVersion && header.requestApiVersion <= served.maxVersion)
    handlerSeeds.push(Buffer.concat([Buffer.from([handler, header.requestApiVersion - served.minVersion]), frame.subarray(reader.pos)]));
  if (codec.key === 0) {
    for (const batch of batchesOf(codec.readRequest(reader, header.requestApiVersion))) {
      seeds.batch.push(Buffer.concat([Buffer.from([0]), batch]));
      seeds.produce.push(Buffer.concat([Buffer.from([0]), batch]));
    }
  }
}

const record = (i: number) => ({ key: i % 2 ? Buffer.from(`k${i}`) : null, value: Buffer.from(`value-${i}`.repeat(i + 1)), headers: i % 3 ? [{ key: 'h', value: Buffer.from('v') }] : [] });
for (const n of [1, 3, 10]) {
  const batch = createBatch(
    Array.from({ length: n }, (_, i) => record(i)),
    // A fixed time (the produce target's clock), so that the seeds stay the same from run to run.
    { producerId: BigInt(n), baseSequence: 0, baseTimestamp: 1_700_000_000_000 - n },
  );
  // Flag bit 0 asks the batch and produce targets to fix the CRC; 2 (compacted) and 4 vary the rules.
  for (const flags of [1, 3, 5]) {
    seeds.batch.push(Buffer.concat([Buffer.from([flags]), batch]));
    seeds.produce.push(Buffer.concat([Buffer.from([flags]), batch]));
  }
}

function write(dir: string, inputs: Buffer[]): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = new Set<string>();
  for (const input of inputs) {
    if (input.length > MAX_LEN) continue;
    const name = createHash('sha1').update(input).digest('hex');
    names.add(name);
    writeFileSync(join(dir, name), input);
  }
  return names.size;
}

let total = 0;
for (const target of Object.keys(SELECTOR) as Target[]) {
  total += write(join(FUZZ_DIR, 'corpus', target), seeds[target]);
}
const all = (Object.keys(SELECTOR) as Target[]).flatMap((t) => seeds[t].map((s) => Buffer.concat([Buffer.from([SELECTOR[t]]), s])));
total += write(join(FUZZ_DIR, 'corpus', 'all'), all);
total += write(join(FUZZ_DIR, 'corpus', 'handlers'), handlerSeeds);
console.log(`fuzz corpus: ${total} seeds written`);
