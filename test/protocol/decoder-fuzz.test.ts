/**
 * The fuzz target of fuzz/target.ts (framing, every request decoder at every version, record-batch
 * validation, Produce's checks) fed seeded mutations of real clients' frames and of produced
 * batches, without coverage feedback (test/fuzz/jazzer.test.ts makes the coverage-guided run),
 * plus every kept finding in fuzz/regressions. An exception other than the ones the broker
 * expects, or an input taking over a second, is a finding: it is written to fuzz/findings/ (keep
 * it in fuzz/regressions/all/ once fixed) and fails the test.
 *
 * FUZZ_DECODER_RUNS sets the number of inputs, FUZZ_DECODER_SEED repeats a run.
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzz } from '../../fuzz/target.js';
import { mutate, prng, regressions, seeds } from '../../fuzz/mutate.js';
import { createBatch } from '../../src/protocol/records.js';

const ROOT = join(import.meta.dirname, '../..');
const RUNS = Number(process.env.FUZZ_DECODER_RUNS ?? 250_000);
const SEED = Number(process.env.FUZZ_DECODER_SEED ?? Date.now() % 1_000_000);

function batchSeeds(): Buffer[] {
  const rec = (i: number) => ({ key: i % 2 ? Buffer.from(`k${i}`) : null, value: Buffer.from(`value-${i}`.repeat(i + 1)), headers: i % 3 ? [{ key: 'h', value: Buffer.from('v') }] : [] });
  return [1, 3, 10].map((n) => Buffer.concat([Buffer.from([2, 1]), createBatch(Array.from({ length: n }, (_, i) => rec(i)), { producerId: BigInt(n), baseSequence: 0 })]));
}

describe('decoder fuzzing', () => {
  it('kept findings still pass', () => {
    for (const r of regressions(ROOT)) fuzz(r);
  });

  it(`${RUNS} mutated frames and batches: no unexpected exception, no slow input (seed ${SEED})`, () => {
    const corpus = [...seeds(ROOT), ...batchSeeds()];
    expect(corpus.length).toBeGreaterThan(3);
    const rand = prng(SEED);
    const findings: string[] = [];
    const started = performance.now();
    for (let i = 0; i < RUNS && findings.length < 5; i++) {
      const input = mutate(corpus[i % corpus.length], corpus[Math.floor(rand() * corpus.length)], rand);
      const t = performance.now();
      let problem: string | undefined;
      try {
        fuzz(input);
      } catch (err) {
        problem = (err as Error).stack ?? String(err);
      }
      if (!problem && performance.now() - t > 1000) problem = `took ${Math.round(performance.now() - t)} ms`;
      if (problem) {
        const name = createHash('sha1').update(input).digest('hex');
        mkdirSync(join(ROOT, 'fuzz', 'findings'), { recursive: true });
        writeFileSync(join(ROOT, 'fuzz', 'findings', name), input);
        findings.push(`${name}: ${problem.split('\n').slice(0, 4).join(' | ')}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`decoder-fuzz: ${RUNS} inputs from ${corpus.length} seeds in ${seconds.toFixed(1)} s (${Math.round(RUNS / seconds)}/s), seed ${SEED}, findings ${findings.length}`);
    expect(findings).toEqual([]);
  }, 600_000);
});
