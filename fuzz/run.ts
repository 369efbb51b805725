/**
 * Runs a coverage-guided fuzzing session with Jazzer.js (libFuzzer) on one target of fuzz/targets/,
 * or on `all` (fuzz/target.ts, which CI runs). Needs fuzz/setup-jazzer.sh to have built Jazzer.js.
 *
 *   npx tsx fuzz/run.ts [all|framing|decoders|batch|produce] [-runs=N | -max_total_time=S] [libFuzzer flags...]
 *
 * The target is bundled by esbuild into fuzz/build/<target>.cjs (Jazzer.js 2.1 instruments
 * CommonJS modules as they load, not ES modules); packages stay external and uninstrumented. The
 * committed seeds fuzz/corpus/<target>/ and the kept findings fuzz/regressions/<target>/ are read
 * first; new interesting inputs go to fuzz/build/corpus/<target>/ (kept between local runs, never
 * committed), a finding to fuzz/findings/<target>/ (crash-<sha1>, timeout-<sha1>), libFuzzer's
 * output to fuzz/build/<target>.log.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FUZZ_DIR = import.meta.dirname;
export const TARGET_NAMES = ['all', 'framing', 'decoders', 'batch', 'produce', 'handlers'] as const;
/** The targets that return a promise: Jazzer.js runs them in its asynchronous mode. */
const ASYNC_TARGETS: readonly TargetName[] = ['handlers'];
export type TargetName = (typeof TARGET_NAMES)[number];

const JAZZER_CLI = join(FUZZ_DIR, 'jazzer/node_modules/@jazzer.js/core/dist/cli.js');
const ADDON = join(FUZZ_DIR, 'jazzer/node_modules/@jazzer.js/fuzzer/build/Release/jazzerjs.node');

export function jazzerBuilt(): boolean {
  return existsSync(JAZZER_CLI) && existsSync(ADDON);
}

export interface FuzzRun {
  exitCode: number;
  runs: number;
  seconds: number;
  /** libFuzzer's cov: the coverage counters (edges of the instrumented code) reached. */
  edges: number;
  features: number;
  corpus: number;
  findings: string[];
  output: string;
}

async function bundle(target: TargetName): Promise<string> {
  const entry = target === 'all' ? join(FUZZ_DIR, 'target.ts') : join(FUZZ_DIR, 'targets', `${target}.ts`);
  const outfile = join(FUZZ_DIR, 'build', `${target}.cjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // CommonJS has no import.meta: the modules that locate files or load packages from it get the bundle's URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  return outfile;
}

/** One session; libFuzzer's output is echoed when `echo` is set. */
export async function fuzzRun(target: TargetName, libFuzzerFlags: string[], echo = true): Promise<FuzzRun> {
  if (!jazzerBuilt()) throw new Error('Jazzer.js is not built: run fuzz/setup-jazzer.sh (needs clang and libclang-rt-14-dev)');
  const bundled = await bundle(target);
  const work = join(FUZZ_DIR, 'build', 'corpus', target);
  const findings = join(FUZZ_DIR, 'findings', target);
  mkdirSync(work, { recursive: true });
  mkdirSync(findings, { recursive: true });
  const corpora = [work, ...[join(FUZZ_DIR, 'corpus', target), join(FUZZ_DIR, 'regressions', target)].filter((d) => existsSync(d))];
  const args = [
    JAZZER_CLI,
    bundled,
    ...corpora,
    ...(ASYNC_TARGETS.includes(target) ? [] : ['--sync']),
    '--timeout=10000',
    // Its hooks on object creation slow every input several times over; these targets build no objects from keys.
    '--disable_bug_detectors=prototype-pollution',
    '--',
    '-max_len=4096',
    '-print_final_stats=1',
    `-artifact_prefix=${findings}/`,
    ...libFuzzerFlags,
  ];
  // libFuzzer's output goes to a file, not a pipe: Node makes its stdio pipes non-blocking, and
  // libFuzzer's writes to a full pipe are dropped (its final statistics went missing on a busy machine).
  const logFile = join(FUZZ_DIR, 'build', `${target}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  let echoed = 0;
  const echoNew = () => {
    if (!echo) return;
    const text = readFileSync(logFile);
    if (text.length > echoed) process.stderr.write(text.subarray(echoed));
    echoed = text.length;
  };
  const ticker = setInterval(echoNew, 1000);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  clearInterval(ticker);
  echoNew();
  const output = readFileSync(logFile, 'utf8');
  const done = /Done (\d+) runs in (\d+) second/.exec(output);
  const stats = [...output.matchAll(/cov: (\d+) ft: (\d+) corp: (\d+)/g)].at(-1);
  return {
    exitCode,
    runs: done ? Number(done[1]) : Number(/stat::number_of_executed_units: (\d+)/.exec(output)?.[1] ?? [...output.matchAll(/^#(\d+)\s/gm)].at(-1)?.[1] ?? 0),
    seconds: done ? Number(done[2]) : 0,
    edges: stats ? Number(stats[1]) : 0,
    features: stats ? Number(stats[2]) : 0,
    corpus: stats ? Number(stats[3]) : 0,
    findings: [...output.matchAll(/Test unit written to (\S+)/g)].map((m) => m[1]),
    output,
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [first, ...rest] = process.argv.slice(2);
  const target = (TARGET_NAMES as readonly string[]).includes(first ?? '') ? (first as TargetName) : 'all';
  const flags = target === first ? rest : process.argv.slice(2);
  const r = await fuzzRun(target, flags);
  console.error(`fuzz ${target}: ${r.runs} inputs in ${r.seconds} s, ${r.edges} edges, ${r.features} features, corpus ${r.corpus}, exit ${r.exitCode}`);
  for (const f of r.findings) console.error(`finding: ${f} (once fixed, move it to fuzz/regressions/${target}/)`);
  process.exit(r.exitCode);
}
