/**
 * Seeded mutations of real clients' request frames and produced batches, without coverage
 * feedback (the coverage-guided runs are Jazzer.js's, fuzz/run.ts): a second, different search.
 * Each input is a seed with a few edits: bit flips, byte runs set to boundary values, inserted or
 * deleted bytes, length fields made huge or negative, splices of two seeds.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const BOUNDARY = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

export function mutate(seed: Buffer, other: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(seed);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    switch (Math.floor(rand() * 6)) {
      case 0:
        if (b.length > 0) b[at] ^= 1 << Math.floor(rand() * 8);
        break;
      case 1: {
        const run = 1 + Math.floor(rand() * 4);
        const v = BOUNDARY[Math.floor(rand() * BOUNDARY.length)];
        for (let i = at; i < Math.min(b.length, at + run); i++) b[i] = v;
        break;
      }
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rand() * 8))]);
        break;
      case 4:
        // A length or count field made huge or negative.
        if (at + 4 <= b.length) b.writeInt32BE(rand() < 0.5 ? -1 - Math.floor(rand() * 3) : 0x7fffffff - Math.floor(rand() * 3), at);
        break;
      default: {
        const cut = Math.floor(rand() * (other.length + 1));
        b = Buffer.concat([b.subarray(0, at), other.subarray(cut)]);
        break;
      }
    }
  }
  return b;
}

/** Seeds: every request frame captured from real clients (../shared/captures) and the kept findings (fuzz/regressions). */
export function seeds(root: string): Buffer[] {
  const out: Buffer[] = [];
  const captures = join(root, '..', 'shared', 'captures');
  if (existsSync(captures)) {
    for (const client of readdirSync(captures, { withFileTypes: true })) {
      if (!client.isDirectory()) continue;
      for (const f of readdirSync(join(captures, client.name))) {
        if (!f.endsWith('.req.bin')) continue;
        const frame = readFileSync(join(captures, client.name, f));
        const sized = Buffer.alloc(4);
        sized.writeInt32BE(frame.length);
        // Target 0 of fuzz/target.ts (framing): the cut size, then the frame with its size prefix.
        out.push(Buffer.concat([Buffer.from([0, frame.length % 16]), sized, frame]));
      }
    }
  }
  return [...out, ...regressions(root)];
}

/** The selector byte of each target in fuzz/target.ts. */
const SELECTOR: Record<string, number> = { framing: 0, decoders: 1, batch: 2, produce: 3 };

/** Every kept finding of fuzz/target.ts's targets (fuzz/regressions/<target>/), as its input; the asynchronous handlers target is replayed by test/fuzz/jazzer.test.ts. */
export function regressions(root: string): Buffer[] {
  const dir = join(root, 'fuzz', 'regressions');
  if (!existsSync(dir)) return [];
  const out: Buffer[] = [];
  for (const target of readdirSync(dir, { withFileTypes: true })) {
    if (!target.isDirectory() || target.name === 'handlers') continue;
    if (target.name !== 'all' && SELECTOR[target.name] === undefined) throw new Error(`fuzz/regressions/${target.name}: no such target`);
    const prefix = target.name === 'all' ? Buffer.alloc(0) : Buffer.from([SELECTOR[target.name]]);
    for (const f of readdirSync(join(dir, target.name))) if (!f.startsWith('.')) out.push(Buffer.concat([prefix, readFileSync(join(dir, target.name, f))]));
  }
  return out;
}
