/**
 * What `runnel start` loads before it listens: the metrics library (prom-client and what it pulls
 * in) and jose are imported only afterwards, or only when used, because start-up time is mostly
 * module loading (issue 17: listening within 0.5 s with 2,000 partitions). A module loader hook in
 * the broker's process writes each module it loads to a trace file, and a patched listen() writes
 * LISTEN there when the Kafka listener opens; both write synchronously, so the file's order is the
 * order in which they happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/runnel.js', import.meta.url));
const procs: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A directory with the hook and preload files; `preload` is what `--import` takes. */
async function tracing(): Promise<{ dir: string; traceFile: string; preload: string; trace: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-startup-modules-'));
  dirs.push(dir);
  const traceFile = join(dir, 'trace.txt');
  await writeFile(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(traceFile)}, 'LOAD ' + url + '\\n');\n  return next(url, context);\n}\n`);
  await writeFile(
    join(dir, 'preload.mjs'),
    `import { register } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nimport net from 'node:net';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\nconst listen = net.Server.prototype.listen;\nnet.Server.prototype.listen = function (...args) {\n  appendFileSync(${JSON.stringify(traceFile)}, 'LISTEN\\n');\n  return listen.apply(this, args);\n};\n`,
  );
  const trace = async () => (await readFile(traceFile, 'utf8')).split('\n').filter(Boolean);
  return { dir, traceFile, preload: pathToFileURL(join(dir, 'preload.mjs')).href, trace };
}

const loadedAt = (trace: string[], pkg: string): number => trace.findIndex((l) => l.startsWith('LOAD ') && l.includes(`/node_modules/${pkg}/`));

async function traceStart(): Promise<{ trace: string[]; metricsUrl: string; stop: () => Promise<void> }> {
  const { dir, preload, trace: readTrace } = await tracing();
  const proc = spawn(
    process.execPath,
    ['--import', preload, BIN, 'start', '--override', `log.dirs=${join(dir, 'data')}`, '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'runnel.console.enable=false', '--override', 'runnel.metrics.port=0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  procs.push(proc);
  let out = '';
  const started = new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"Runnel started"'));
      if (line) resolve((JSON.parse(line) as { metrics: string }).metrics);
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`runnel exited ${code}: ${out}`)));
  });
  const metricsUrl = await started;
  const trace = await readTrace();
  return {
    trace,
    metricsUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

describe('runnel start', () => {
  it('listens before it loads the metrics library, never loads jose without OAUTHBEARER, and still counts the first requests', async () => {
    const { trace, metricsUrl, stop } = await traceStart();
    const listenAt = trace.indexOf('LISTEN');
    expect(listenAt).toBeGreaterThan(0);
    const loaded = (pkg: string) => loadedAt(trace, pkg);
    // The module graph did load through the hook (the check below is not vacuous).
    expect(loaded('pino')).toBeGreaterThan(-1);
    expect(loaded('pino')).toBeLessThan(listenAt);
    expect(loaded('prom-client')).toBeGreaterThan(listenAt);
    expect(loaded('jose')).toBe(-1);
    // Metrics are served all the same.
    const body = await (await fetch(metricsUrl)).text();
    expect(body).toMatch(/^runnel_connections \d+$/m);
    expect(body).toMatch(/^runnel_process_process_cpu_user_seconds_total /m);
    await stop();
  });

  it('an embedded broker (startBroker, no metrics asked for) never loads the metrics library', async () => {
    const { dir, preload, trace } = await tracing();
    const script = join(dir, 'embedded.mts');
    await writeFile(
      script,
      `import { startBroker } from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))};\nconst b = await startBroker({ port: 0 });\nconsole.log('started ' + b.port);\nawait b.close();\n`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', '--import', preload, script], { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    procs.push(proc);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/started \d+/);
    const t = await trace();
    expect(t).toContain('LISTEN');
    expect(loadedAt(t, 'pino')).toBeGreaterThan(-1);
    expect(loadedAt(t, 'prom-client')).toBe(-1);
  });
});
