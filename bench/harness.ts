/**
 * What the benchmarks that run brokers as child processes share: starting a server and waiting for
 * the line that says it is ready, stopping it, the CPU time a process has used, the median of the
 * rounds and an aligned text table. Kept free of any one benchmark's cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Server {
  name: string;
  bootstrap: string;
  child: ChildProcess;
  log: WriteStream;
}

export interface ServerSpec {
  name: string;
  cmd: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Both output streams go here. */
  logPath: string;
  /** Returns the bootstrap address once a line of stdout or stderr says the server listens. */
  ready: (line: string) => string | undefined;
  timeoutMs?: number;
}

/** Spawns a server and resolves once `ready` matches a line of its output; rejects if it exits or stays silent. */
export function startServer(spec: ServerSpec): Promise<Server> {
  const { name, logPath } = spec;
  const child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logPath);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${(spec.timeoutMs ?? 20_000) / 1000} s (see ${logPath})`));
    }, spec.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready (see ${logPath})`));
    });
    let done = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(line + '\n');
        if (done) return;
        const bootstrap = spec.ready(line);
        if (bootstrap) {
          done = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ name, bootstrap, child, log });
        }
      });
    }
  });
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the process has exited. */
export async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system, every thread) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The middle value (the lower of the two middle ones for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Prints rows under a header, columns padded to their widest cell; `right` names the right-aligned columns. */
export function printTable(header: string[], rows: string[][], right: (column: number) => boolean): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
