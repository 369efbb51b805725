/**
 * The coverage-guided run (Jazzer.js on libFuzzer, fuzz/run.ts) over request framing, every request
 * decoder, record-batch validation and Produce's checks (fuzz/target.ts): a million inputs by
 * default, starting from the committed seeds and kept findings, with no crash (an exception the
 * broker does not expect, or a broken invariant) and no hang (an input over 10 s). A finding fails
 * the test; the input is in fuzz/findings/all/ (keep it in fuzz/regressions/<target>/ once fixed).
 *
 * Jazzer.js is built by fuzz/setup-jazzer.sh (.ci/run calls it). Where it is not built, the run is
 * skipped, except in CI (CI=true), where that fails. FUZZ_JAZZER_RUNS sets the number of inputs.
 * The kept findings are replayed in-process first, built or not. Then FUZZ_JAZZER_HANDLER_RUNS
 * (100,000) requests go through the handlers of an in-memory broker (fuzz/targets/handlers.ts).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzRun, jazzerBuilt, FUZZ_DIR } from '../../fuzz/run.js';
import { fuzz as all } from '../../fuzz/target.js';
import { fuzz as framing } from '../../fuzz/targets/framing.js';
import { fuzz as decoders } from '../../fuzz/targets/decoders.js';
import { fuzz as batch } from '../../fuzz/targets/batch.js';
import { fuzz as produce } from '../../fuzz/targets/produce.js';
import { fuzz as handlers, closeBroker } from '../../fuzz/targets/handlers.js';

const RUNS = Number(process.env.FUZZ_JAZZER_RUNS ?? 1_000_000);
const HANDLER_RUNS = Number(process.env.FUZZ_JAZZER_HANDLER_RUNS ?? 100_000);
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const TARGETS: Record<string, (data: Buffer) => void | Promise<void>> = { all, framing, decoders, batch, produce, handlers };

describe('coverage-guided fuzzing (Jazzer.js)', () => {
  afterAll(closeBroker);

  it('every kept finding passes its target', async () => {
    const dir = join(FUZZ_DIR, 'regressions');
    let replayed = 0;
    for (const target of existsSync(dir) ? readdirSync(dir) : []) {
      if (!statSync(join(dir, target)).isDirectory()) continue;
      const fn = TARGETS[target];
      expect(fn, `fuzz/regressions/${target}: no such target`).toBeDefined();
      for (const f of readdirSync(join(dir, target))) {
        if (f.startsWith('.')) continue;
        await expect(Promise.resolve().then(() => fn(readFileSync(join(dir, target, f)))), `fuzz/regressions/${target}/${f}`).resolves.toBeUndefined();
        replayed++;
      }
    }
    console.log(`jazzer-fuzz: ${replayed} kept findings replayed`);
  });

  it.skipIf(!jazzerBuilt() && !inCI)(`${RUNS} inputs: no crash, no hang`, async () => {
    expect(jazzerBuilt(), 'Jazzer.js is not built: fuzz/setup-jazzer.sh').toBe(true);
    const r = await fuzzRun('all', [`-runs=${RUNS}`], false);
    console.log(`jazzer-fuzz: ${r.runs} inputs in ${r.seconds} s, ${r.edges} edges, ${r.features} features, corpus ${r.corpus}, exit ${r.exitCode}`);
    if (r.exitCode !== 0) console.log(r.output.split('\n').slice(-60).join('\n'));
    expect(r.findings).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.runs).toBe(RUNS);
    expect(r.edges).toBeGreaterThan(500);
  }, 1_200_000);

  it.skipIf(!jazzerBuilt() && !inCI)(`${HANDLER_RUNS} requests through the handlers: no crash, no hang`, async () => {
    expect(jazzerBuilt(), 'Jazzer.js is not built: fuzz/setup-jazzer.sh').toBe(true);
    const r = await fuzzRun('handlers', [`-runs=${HANDLER_RUNS}`], false);
    console.log(`jazzer-fuzz handlers: ${r.runs} inputs in ${r.seconds} s, ${r.edges} edges, ${r.features} features, corpus ${r.corpus}, exit ${r.exitCode}`);
    if (r.exitCode !== 0) console.log(r.output.split('\n').slice(-60).join('\n'));
    expect(r.findings).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.runs).toBe(HANDLER_RUNS);
    expect(r.edges).toBeGreaterThan(2000);
  }, 1_200_000);
});
