/**
 * The client compatibility suite: starts one broker in-process, runs every client's scenario
 * scripts against it (compat/clients/<client>/<scenario>.<ext>, each a child process with a
 * timeout), and prints a client-by-scenario table and one summary line:
 *
 *   compat: N passed, M failed, K skipped
 *
 * Exits 1 when a scenario failed (an allowlisted failure does not count; see allowlist.json).
 * A client that is not installed is skipped, or fails when CI=true.
 *
 *   npx tsx compat/run.ts [filter...]   filter: client | client/scenario | /scenario
 *
 * Environment: CI=true (missing clients fail), RUNNEL_COMPAT_TIMEOUT_MS (per script),
 * RUNNEL_COMPAT_JOBS (parallel scripts), RUNNEL_COMPAT_VERBOSE=1 (print every script's output),
 * RUNNEL_LOG_LEVEL (broker log to stderr), RUNNEL_COMPAT_TAP=<file> (record every frame, tap.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import pino from 'pino';
import { startBroker, type Broker } from '../src/broker.js';
import { clients, REPO_ROOT, type Client, type Probe } from './clients.js';
import { scenarios } from './scenarios.js';
import { startTap, type Tap } from './tap.js';

const COMPAT_DIR = join(REPO_ROOT, 'compat');
const CI = process.env.CI === 'true';
const DEFAULT_TIMEOUT_MS = 60_000;
const OUTPUT_TAIL_LINES = 40;

type Status = 'pass' | 'fail' | 'skip' | 'xfail';

interface Job {
  client: Client;
  scenario: string;
  script: string;
  timeoutMs: number;
}

interface Result {
  client: string;
  scenario: string;
  status: Status;
  /** Why it was skipped, failed, or allowed to fail. */
  reason?: string;
  ms?: number;
  output?: string;
  /** The allowlist's reason, for an allowlisted scenario (whatever its outcome). */
  allowed?: string;
}

interface AllowEntry {
  client: string;
  scenario: string;
  reason: string;
}

function fatal(message: string): never {
  console.error(`compat: ${message}`);
  process.exit(2);
}

function loadAllowlist(): AllowEntry[] {
  const file = join(COMPAT_DIR, 'allowlist.json');
  const entries: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(entries)) fatal(`${file}: expected an array`);
  for (const e of entries as AllowEntry[]) {
    if (typeof e?.client !== 'string' || typeof e.scenario !== 'string' || typeof e.reason !== 'string' || !e.reason.trim())
      fatal(`${file}: every entry needs client, scenario and a reason: ${JSON.stringify(e)}`);
    if (!clients.some((c) => c.id === e.client) || !scenarios.some((s) => s.name === e.scenario))
      fatal(`${file}: unknown client or scenario in ${JSON.stringify(e)}`);
  }
  return entries as AllowEntry[];
}

/** Every script of every client, checked against the scenario list. */
function discover(): Job[] {
  const jobs: Job[] = [];
  const envTimeout = Number(process.env.RUNNEL_COMPAT_TIMEOUT_MS) || undefined;
  for (const client of clients) {
    const dir = join(COMPAT_DIR, 'clients', client.id);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith(client.ext) || file.startsWith('_')) continue;
      const name = file.slice(0, -client.ext.length);
      const scenario = scenarios.find((s) => s.name === name);
      if (!scenario) fatal(`${relative(REPO_ROOT, join(dir, file))}: '${name}' is not a scenario in compat/scenarios.ts`);
      jobs.push({ client, scenario: name, script: join(dir, file), timeoutMs: envTimeout ?? scenario.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    }
  }
  return jobs;
}

function matches(filters: string[], client: string, scenario: string): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => {
    const [c, s] = f.includes('/') ? f.split('/', 2) : [f, ''];
    return (!c || c === client) && (!s || s === scenario);
  });
}

const running = new Set<number>();
/** Set on SIGINT/SIGTERM: no further script is started. */
let stopping = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function runScript(job: Job, probe: Extract<Probe, { ok: true }>, env: Record<string, string>): Promise<Result> {
  if (stopping) return Promise.resolve({ client: job.client.id, scenario: job.scenario, status: 'skip', reason: 'interrupted' });
  const { cmd, args } = probe.launch(job.script);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...probe.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that a timeout kills what it started too
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid);
    }, job.timeoutMs);
    if (child.pid) running.add(child.pid);
    const done = (status: Status, reason?: string) => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      const ms = performance.now() - started;
      resolve({ client: job.client.id, scenario: job.scenario, status, reason, ms, output: Buffer.concat(chunks).toString('utf8') });
    };
    child.on('error', (err) => done('fail', `cannot start ${cmd}: ${err.message}`));
    child.on('close', (code, signal) => {
      if (timedOut) done('fail', `timed out after ${job.timeoutMs / 1000} s`);
      else if (code === 0) done('pass');
      else done('fail', code !== null ? `exit code ${code}` : `killed by ${signal}`);
    });
  });
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function cell(r: Result | undefined): string {
  if (!r) return '-';
  const t = r.ms !== undefined ? ` ${(r.ms / 1000).toFixed(1)}s` : '';
  switch (r.status) {
    case 'pass':
      return `pass${t}`;
    case 'fail':
      return r.reason?.startsWith('timed out') ? 'FAIL timeout' : `FAIL${t}`;
    case 'skip':
      return 'skip';
    case 'xfail':
      return `xfail${t}`;
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.slice(1).map(line)].join('\n');
}

function lastLine(output = ''): string {
  return output.trimEnd().split('\n').pop() ?? '';
}

function tail(output: string, lines: number): string {
  const all = output.trimEnd().split('\n');
  const shown = all.slice(-lines);
  return (all.length > lines ? `  ... ${all.length - lines} earlier lines\n` : '') + shown.map((l) => `  ${l}`).join('\n');
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const allowlist = loadAllowlist();
  const jobs = discover().filter((j) => matches(filters, j.client.id, j.scenario));
  if (jobs.length === 0) fatal(`no scenario script matches ${filters.join(' ') || '(no filter)'}`);

  const probes = new Map<string, Probe>();
  await Promise.all(clients.map(async (c) => probes.set(c.id, await c.probe())));

  const tapFile = process.env.RUNNEL_COMPAT_TAP;
  let tap: Tap | undefined;
  let broker: Broker | undefined;
  const results: Result[] = [];
  const interrupt = () => {
    stopping = true;
    for (const pid of running) killGroup(pid);
    void Promise.allSettled([broker?.close(), tap?.close()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    if (tapFile) tap = await startTap(tapFile);
    const level = process.env.RUNNEL_LOG_LEVEL;
    broker = await startBroker({
      port: 0,
      logger: level ? pino({ level }, pino.destination(2)) : undefined,
      // Through the tap, the broker must advertise the tap's port, or clients would leave it.
      config: tap ? { 'advertised.listeners': `PLAINTEXT://localhost:${tap.port}` } : undefined,
    });
    tap?.target(broker.host, broker.port);
    console.log(
      `compat: broker ${broker.bootstrap} (node ${broker.nodeId}), Node ${process.version}, ${jobs.length} script(s)` +
        (tap ? `, recording frames to ${tapFile}` : ''),
    );

    const runId = Date.now().toString(36);
    const runnable: Array<{ job: Job; probe: Extract<Probe, { ok: true }> }> = [];
    for (const job of jobs) {
      const probe = probes.get(job.client.id)!;
      if (probe.ok) runnable.push({ job, probe });
      else
        results.push({
          client: job.client.id,
          scenario: job.scenario,
          status: CI ? 'fail' : 'skip',
          reason: CI ? `client missing, and CI=true: ${probe.reason}` : probe.reason,
        });
    }
    const jobsLimit = Number(process.env.RUNNEL_COMPAT_JOBS) || Math.min(8, availableParallelism());
    const b = broker;
    results.push(
      ...(await pool(runnable, jobsLimit, ({ job, probe }) =>
        runScript(job, probe, {
          RUNNEL_BOOTSTRAP: b.bootstrap,
          RUNNEL_NODE_ID: String(b.nodeId),
          RUNNEL_TOPIC: `compat-${job.client.id}-${job.scenario}-${runId}`,
        }),
      )),
    );
  } finally {
    await broker?.close();
    await tap?.close();
  }

  for (const r of results) {
    const allowed = allowlist.find((a) => a.client === r.client && a.scenario === r.scenario);
    if (!allowed) continue;
    r.allowed = allowed.reason;
    if (r.status === 'fail') r.status = 'xfail';
  }

  // The table: a row per client (name and version), a column per scenario.
  const cols = scenarios.filter((s) => results.some((r) => r.scenario === s.name)).map((s) => s.name);
  const rows = [['client', ...cols]];
  for (const c of clients) {
    const mine = results.filter((r) => r.client === c.id);
    if (mine.length === 0) continue;
    const p = probes.get(c.id)!;
    rows.push([`${c.name} ${p.ok ? p.version : '(missing)'}`, ...cols.map((s) => cell(mine.find((r) => r.scenario === s)))]);
  }
  console.log('\n' + table(rows) + '\n');

  const verbose = process.env.RUNNEL_COMPAT_VERBOSE === '1' || process.env.RUNNEL_COMPAT_VERBOSE === 'true';
  for (const r of results) {
    const id = `${r.client}/${r.scenario}`;
    if (r.status === 'skip') console.log(`skip  ${id}: ${r.reason}`);
    else if (r.status === 'xfail') console.log(`xfail ${id}: allowlisted (${r.allowed}); ${r.reason}: ${lastLine(r.output)}`);
    else if (r.status === 'pass' && r.allowed) console.log(`note  ${id}: passes but is allowlisted (${r.allowed}); remove it from compat/allowlist.json`);
    if (r.status === 'fail') {
      console.log(`FAIL  ${id}: ${r.reason}`);
      if (r.output?.trim()) console.log(verbose ? r.output.trimEnd().replace(/^/gm, '  ') : tail(r.output, OUTPUT_TAIL_LINES));
    } else if (verbose && r.output?.trim()) {
      console.log(`----  ${id} (${r.status})\n${r.output.trimEnd().replace(/^/gm, '  ')}`);
    }
  }

  const passed = results.filter((r) => r.status === 'pass').length;
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skip' || r.status === 'xfail').length;
  console.log(`compat: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
