/**
 * The client compatibility suite: starts a broker in-process (one per distinct set of scenario
 * broker settings, scenarios.ts), runs every client's scenario scripts against it
 * (compat/clients/<client>/<scenario>.<ext>, each a child process with a timeout), and prints a
 * client-by-scenario table and one summary line:
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
 *
 * A `restartable` scenario's scripts each get a broker of their own that they can have restarted
 * on the same port with the same data (RUNNEL_CONTROL_URL, see restart.ts). A `cluster` scenario's
 * scripts share one three-broker cluster on a real etcd, brokers as separate processes (cluster.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import pino from 'pino';
import { startBroker, type Broker } from '../src/broker.js';
import { clients, REPO_ROOT, type Client, type Probe } from './clients.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';
import { RestartableBroker, startControl, type Control } from './restart.js';
import { scenarios, type Scenario, type ScenarioSetup } from './scenarios.js';
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
  /** The scenario's broker settings (scenarios.ts), as a key: '' for the default broker. */
  brokerKey: string;
  /** The scenario is `restartable`: the script gets a broker of its own and RUNNEL_CONTROL_URL. */
  restartable: boolean;
  /** The scenario runs against the three-broker cluster (cluster.ts). */
  cluster: boolean;
  /** The scenario's `pending` reason: it runs only when a filter names it (scenarios.ts). */
  pending?: string;
}

/** A broker, and the tap in front of it when RUNNEL_COMPAT_TAP is set. */
interface Target {
  broker: Broker;
  tap?: Tap;
  tapFile?: string;
}

function brokerKey(settings: Scenario['broker']): string {
  if (!settings || Object.keys(settings).length === 0) return '';
  return Object.entries(settings)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/** The tap file of a broker with non-default settings: tap.jsonl -> tap.num.partitions=3.jsonl. */
function tapFileFor(file: string, key: string): string {
  if (!key) return file;
  const tag = key.replace(/[^\w.=-]+/g, '_');
  return /\.jsonl?$/.test(file) ? file.replace(/(\.jsonl?)$/, `.${tag}$1`) : `${file}.${tag}`;
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
      if (scenario.scripts)
        fatal(`${relative(REPO_ROOT, join(dir, file))}: scenario '${name}' runs the scripts of '${scenario.scripts}', not scripts of its own`);
      // The scenario itself, then those that run its scripts against another broker (Scenario.scripts).
      for (const s of [scenario, ...scenarios.filter((o) => o.scripts === name)]) {
        jobs.push({
          client,
          scenario: s.name,
          script: join(dir, file),
          timeoutMs: envTimeout ?? s.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          // A scenario with a setup has generated settings, hence a broker of its own.
          brokerKey: s.setup ? `@${s.name}` : brokerKey(s.broker),
          restartable: s.restartable === true,
          cluster: s.cluster === true,
          pending: s.pending,
        });
      }
    }
  }
  return jobs;
}

/** Each `scripts` names a scenario that has scripts of its own (one level, so no cycle). */
function checkScriptsLinks(): void {
  for (const s of scenarios) {
    if (s.scripts === undefined) continue;
    const target = scenarios.find((o) => o.name === s.scripts);
    if (!target || target.scripts !== undefined)
      fatal(`compat/scenarios.ts: scenario '${s.name}' has scripts '${s.scripts}', which is not a scenario with scripts of its own`);
  }
}

/** Whether a filter names the scenario itself (`client/scenario` or `/scenario`), not just its client. */
function namesScenario(filters: string[], scenario: string): boolean {
  return filters.some((f) => f.includes('/') && f.split('/', 2)[1] === scenario);
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
    // What the script leaves behind in its process group (a member process it started and did
    // not reap after a failure) would hold its output pipes open: it goes when the script does.
    child.on('exit', () => {
      if (child.pid) killGroup(child.pid);
    });
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
  checkScriptsLinks();
  const allowlist = loadAllowlist();
  const matching = discover().filter((j) => matches(filters, j.client.id, j.scenario));
  if (matching.length === 0) fatal(`no scenario script matches ${filters.join(' ') || '(no filter)'}`);
  // A pending scenario runs only when asked for by name; otherwise it is a skip with its reason.
  const held = matching.filter((j) => j.pending && !namesScenario(filters, j.scenario));
  const jobs = matching.filter((j) => !held.includes(j));

  const probes = new Map<string, Probe>();
  await Promise.all(clients.map(async (c) => probes.set(c.id, await c.probe())));

  const tapFile = process.env.RUNNEL_COMPAT_TAP;
  const targets = new Map<string, Target>();
  /** The brokers of the restartable scripts running now, and the endpoint they are restarted through. */
  const own = new Set<{ broker: RestartableBroker; tap?: Tap }>();
  let control: Control | undefined;
  let cluster: CompatCluster | undefined;
  let clusterError: string | undefined;
  /** The result of each scenario's setup hook, by broker key (@<scenario>). */
  const setups = new Map<string, ScenarioSetup>();
  const closeAll = async () => {
    await cluster?.stop();
    for (const t of targets.values()) {
      await t.broker.close();
      await t.tap?.close();
    }
    for (const t of own) {
      await t.broker.close();
      await t.tap?.close();
    }
    await control?.close();
    for (const s of setups.values()) await s.cleanup?.();
  };
  const results: Result[] = held.map((j) => ({ client: j.client.id, scenario: j.scenario, status: 'skip', reason: `pending (run it by name: /${j.scenario}): ${j.pending}` }));
  const interrupt = () => {
    stopping = true;
    for (const pid of running) killGroup(pid);
    void closeAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const level = process.env.RUNNEL_LOG_LEVEL;
    const logger = level ? pino({ level }, pino.destination(2)) : undefined;
    const configFor = (key: string, tap: Tap | undefined) => {
      const settings = key.startsWith('@')
        ? { ...scenarios.find((s) => s.name === key.slice(1))?.broker, ...setups.get(key)?.broker }
        : (scenarios.find((s) => !s.setup && brokerKey(s.broker) === key)?.broker ?? {});
      const config: Record<string, string | number | boolean> = { ...settings };
      // Through the tap, the broker must advertise the tap's port, or clients would leave it.
      if (tap) config['advertised.listeners'] = `PLAINTEXT://localhost:${tap.port}`;
      return config;
    };
    for (const name of new Set(jobs.filter((j) => !j.cluster && j.brokerKey.startsWith('@')).map((j) => j.scenario)))
      setups.set(`@${name}`, await scenarios.find((s) => s.name === name)!.setup!());
    const setupEnv = (job: Job): Readonly<Record<string, string>> => setups.get(job.brokerKey)?.env ?? {};
    // One broker per distinct set of scenario settings (scenarios.ts), the default one first;
    // restartable scenarios get one per script instead, started when the script is.
    for (const key of [...new Set(jobs.filter((j) => !j.restartable && !j.cluster).map((j) => j.brokerKey))].sort()) {
      // The tap reads plaintext frames: a scenario with a setup (TLS, most likely) runs without it.
      const file = tapFile && !key.startsWith('@') ? tapFileFor(tapFile, key) : undefined;
      const tap = file ? await startTap(file) : undefined;
      const broker = await startBroker({ port: 0, logger, config: configFor(key, tap) });
      targets.set(key, { broker, tap, tapFile: file });
      tap?.target(broker.host, broker.port);
    }
    if (jobs.some((j) => j.restartable)) control = await startControl();
    if (jobs.some((j) => j.cluster)) {
      if (tapFile) console.log('compat: RUNNEL_COMPAT_TAP does not record the cluster scenarios (three brokers, each advertising itself)');
      const t0 = performance.now();
      const names = [...new Set(jobs.filter((j) => j.cluster).map((j) => j.scenario))].join(', ');
      try {
        cluster = await startCompatCluster();
        console.log(`compat: cluster of ${cluster.env.RUNNEL_BROKERS} on etcd ${cluster.cluster.etcd.endpoints} (started in ${((performance.now() - t0) / 1000).toFixed(1)} s) for ${names}`);
      } catch (err) {
        // Like a missing client: no etcd (or a cluster that does not start) skips the cluster
        // scenarios with the reason, and fails them under CI.
        clusterError = (err as Error).message.split('\n')[0];
        console.log(`compat: no cluster for ${names}: ${clusterError}`);
      }
    }
    console.log(`compat: Node ${process.version}, ${jobs.length} script(s)`);
    for (const [key, { broker, tapFile: file }] of targets) {
      const scenarioNames = [...new Set(jobs.filter((j) => !j.restartable && !j.cluster && j.brokerKey === key).map((j) => j.scenario))].join(', ');
      console.log(
        `compat: broker ${broker.bootstrap} (node ${broker.nodeId}${key ? `, ${key}` : ''}) for ${scenarioNames}` +
          (file ? `, recording frames to ${file}` : ''),
      );
    }
    const restartable = [...new Set(jobs.filter((j) => j.restartable).map((j) => j.scenario))];
    if (restartable.length > 0)
      console.log(
        `compat: a restartable broker of its own per script for ${restartable.join(', ')}` +
          (tapFile ? `, recording frames to ${tapFileFor(tapFile, 'CLIENT.SCENARIO')}` : ''),
      );

    /** Runs a restartable scenario's script against a broker of its own, removed afterwards. */
    const runWithOwnBroker = async (job: Job, probe: Extract<Probe, { ok: true }>, env: Record<string, string>): Promise<Result> => {
      const file = tapFile ? tapFileFor(tapFile, `${job.client.id}.${job.scenario}`) : undefined;
      const tap = file ? await startTap(file) : undefined;
      let mine: { broker: RestartableBroker; tap?: Tap } | undefined;
      try {
        const broker = await RestartableBroker.start({ logger, config: configFor(job.brokerKey, tap) });
        mine = { broker, tap };
        own.add(mine);
        tap?.target(broker.broker.host, broker.broker.port);
        const { url, unregister } = control!.register(broker);
        try {
          const b = broker.broker;
          return await runScript(job, probe, { ...env, RUNNEL_BOOTSTRAP: b.bootstrap, RUNNEL_NODE_ID: String(b.nodeId), RUNNEL_CONTROL_URL: url });
        } finally {
          unregister();
        }
      } catch (err) {
        return { client: job.client.id, scenario: job.scenario, status: 'fail', reason: `cannot start its broker: ${(err as Error).message}` };
      } finally {
        if (mine) own.delete(mine);
        await mine?.broker.close();
        await tap?.close();
      }
    };

    const runId = Date.now().toString(36);
    const runnable: Array<{ job: Job; probe: Extract<Probe, { ok: true }> }> = [];
    for (const job of jobs) {
      const probe = probes.get(job.client.id)!;
      if (job.cluster && clusterError)
        results.push({ client: job.client.id, scenario: job.scenario, status: CI ? 'fail' : 'skip', reason: `no cluster${CI ? ', and CI=true' : ''}: ${clusterError}` });
      else if (probe.ok) runnable.push({ job, probe });
      else
        results.push({
          client: job.client.id,
          scenario: job.scenario,
          status: CI ? 'fail' : 'skip',
          reason: CI ? `client missing, and CI=true: ${probe.reason}` : probe.reason,
        });
    }
    const jobsLimit = Number(process.env.RUNNEL_COMPAT_JOBS) || Math.min(8, availableParallelism());
    results.push(
      ...(await pool(runnable, jobsLimit, ({ job, probe }) => {
        const topic = `compat-${job.client.id}-${job.scenario}-${runId}`;
        if (job.restartable) return runWithOwnBroker(job, probe, { ...setupEnv(job), RUNNEL_TOPIC: topic });
        if (job.cluster) return runScript(job, probe, { ...cluster!.env, RUNNEL_TOPIC: topic });
        const b = targets.get(job.brokerKey)!.broker;
        return runScript(job, probe, {
          ...setupEnv(job),
          RUNNEL_BOOTSTRAP: b.bootstrap,
          RUNNEL_NODE_ID: String(b.nodeId),
          RUNNEL_TOPIC: topic,
        });
      })),
    );
    // A broker that died fails every scenario after it: say so, with its last words.
    for (const death of cluster?.exited() ?? []) {
      console.log(`compat: ${death}`);
      results.push({ client: 'cluster', scenario: 'brokers', status: 'fail', reason: death.split('\n')[0] });
    }
  } finally {
    await closeAll();
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

  if (verbose && cluster && results.some((r) => r.status === 'fail' && scenarios.find((s) => s.name === r.scenario)?.cluster))
    console.log(`----  the cluster's brokers (last lines of their logs)\n${cluster.logs()}`);

  const passed = results.filter((r) => r.status === 'pass').length;
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skip' || r.status === 'xfail').length;
  console.log(`compat: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
