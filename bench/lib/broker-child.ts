/**
 * A Runnel broker as a child process (`node bin/runnel.js start`, what a user runs) for the
 * on-demand soak and memory scripts: its own temporary data directory, a free port, /metrics on a
 * free port. Memory is read from the child's /proc entry, so the figures are the broker's alone,
 * never the load generator's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BrokerChild {
  child: ChildProcess;
  pid: number;
  bootstrap: string;
  metricsUrl?: string;
  work: string;
  logPath: string;
  startupMs: number;
  stop(): Promise<void>;
}

/** Starts the broker and resolves once it logs "Runnel started". `overrides` are extra --override keys. */
export async function startBrokerChild(name: string, overrides: Record<string, string> = {}, nodeFlags: string[] = [], startTimeoutMs = 120_000): Promise<BrokerChild> {
  const work = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), `runnel-${name}-`));
  const keys: Record<string, string> = {
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': join(work, 'data'),
    'runnel.metrics.port': '0',
    'runnel.console.enable': 'false',
    ...overrides,
  };
  const args = [...nodeFlags, join(root, 'bin', 'runnel.js'), 'start', ...Object.entries(keys).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, RUNNEL_LOG_LEVEL: process.env.RUNNEL_LOG_LEVEL ?? 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logPath = join(work, 'broker.log');
  const out = createWriteStream(logPath);
  child.stderr!.pipe(out);
  const started = await new Promise<{ bootstrap: string; metricsUrl?: string; startupMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the broker did not start within ${startTimeoutMs / 1000} s (see ${logPath})`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the broker exited with ${code} before it was ready (see ${logPath})`));
    });
    let done = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out.write(line + '\n');
      if (done) return;
      try {
        const j = JSON.parse(line);
        if (j.msg !== 'Runnel started') return;
        done = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ bootstrap: j.advertised, metricsUrl: j.metrics === 'off' ? undefined : String(j.metrics).replace('0.0.0.0', '127.0.0.1'), startupMs: j.startupMs });
      } catch {
        // not a JSON log line
      }
    });
  });
  return {
    child,
    pid: child.pid!,
    work,
    logPath,
    ...started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (process.env.BENCH_KEEP !== '1') await rm(work, { recursive: true, force: true });
    },
  };
}

/** The resident set size of a process in bytes (VmRSS of /proc/<pid>/status), 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The broker's /metrics as name{labels} -> value (comments dropped); undefined when it is not served. */
export async function scrapeMetrics(url: string | undefined): Promise<Map<string, number> | undefined> {
  if (!url) return undefined;
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
    return out;
  } catch {
    return undefined;
  }
}

export const MB = 1024 * 1024;
export const mb = (bytes: number): string => (bytes / MB).toFixed(1);

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * RSS growth net of garbage collection's sawtooth: the lowest sample of the last quarter of the
 * run minus the lowest of the second quarter (samples are [minutes, MB]). A leak raises that floor;
 * a heap that fills with garbage and is collected does not. Also the plain slope after the 25 % mark.
 */
export function floorGrowth(samples: Array<[number, number]>, minutes: number): { growth: number; from: number; to: number; slope: number } {
  const floor = (a: number, b: number): number => Math.min(...samples.filter(([t]) => t >= a && t <= b).map(([, y]) => y));
  const from = floor(minutes / 4, minutes / 2);
  const to = floor((minutes * 3) / 4, Infinity);
  return { growth: to - from, from, to, slope: slope(samples.filter(([t]) => t >= minutes / 4)) };
}
