/**
 * `runnel start` as a child process: it serves, exits 0 on SIGTERM and SIGINT, and exits 1 with a
 * one-line reason when it cannot start. Plus in-process graceful shutdown: requests already read
 * are answered before the connection closes.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freePort, waitListening } from '../helpers/ports.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker } from '../../src/broker.js';
import { KafkaWire, clientHost, encodeRequest, requestBody } from '../helpers/kafka-wire.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/runnel.js');

const dirs: string[] = [];
const children = new Set<ChildProcess>();
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-cli-test-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const c of children) killGroup(c);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Ends a child we started and anything it started (its process group). */
function killGroup(c: ChildProcess): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * 'bin': `node bin/runnel.js` (the installed `runnel` command, one process).
 * 'tsx': `tsx src/cli/main.ts` through tsx's CLI, which runs the program in a child process and
 * relays signals to it. (Not through `npx tsx`: npm's exec wrapper dies on SIGTERM without waiting
 * for its child, which is npm's behaviour, not Runnel's, and would orphan the broker.)
 */
type Launcher = 'bin' | 'tsx';
const TSX_CLI = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function runnel(args: string[], launcher: Launcher = 'bin'): Run {
  const argv = launcher === 'bin' ? [BIN, ...args] : [TSX_CLI, 'src/cli/main.ts', ...args];
  // detached: its own process group, so that cleanup can end the launcher and its child together.
  const child = spawn(process.execPath, argv, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNNEL_LOG_LEVEL: 'info' } });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Waits for the exit, at most timeoutMs — or graceMs after the process wrote to stderr (a process
 * that reported a fatal error and is still running 2 s later is hanging). Kills it and fails if it
 * does not exit.
 */
async function exitWithin(run: Run, timeoutMs: number, graceMs = Infinity): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  let stderrAt: number | undefined;
  const hung = (async (): Promise<null> => {
    while (Date.now() - t0 < timeoutMs) {
      if (stderrAt === undefined && run.stderr() !== '') stderrAt = Date.now();
      if (stderrAt !== undefined && Date.now() - stderrAt > graceMs) return null;
      await sleep(25);
    }
    return null;
  })();
  const r = await Promise.race([run.exited, hung]);
  if (r === null) {
    killGroup(run.child);
    const why = stderrAt !== undefined && Date.now() - t0 < timeoutMs ? `was still running ${graceMs} ms after writing to stderr` : `did not exit within ${timeoutMs} ms`;
    throw new Error(`runnel ${why}; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
  }
  return { ...r, ms: Date.now() - t0 };
}

function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function startedRunnel(launcher: Launcher = 'bin'): Promise<{ run: Run; port: number }> {
  const port = await freePort();
  const dir = await tempDir();
  const run = runnel(['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`, '--override', 'runnel.metrics.port=0'], launcher);
  await waitListening(port, run);
  // Started means "Runnel started" logged, not only listening (a signal between the two is the test
  // below). Through tsx's CLI it matters: tsx relays a signal to its child and SIGKILLs it unless the
  // child acknowledges within 30 ms, which a main thread still loading modules cannot promise.
  const deadline = Date.now() + 20_000;
  while (!logLines(run.stdout()).some((l) => l.msg === 'Runnel started')) {
    if (Date.now() > deadline) throw new Error(`listening but not started; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
    await sleep(10);
  }
  return { run, port };
}

describe('runnel start, stopped by a signal', () => {
  for (const [signal, launcher] of [
    ['SIGTERM', 'bin'],
    ['SIGINT', 'bin'],
    ['SIGTERM', 'tsx'],
  ] as const) {
    it(`${signal} (${launcher === 'bin' ? 'bin/runnel.js' : 'tsx src/cli/main.ts'}) → exit 0 within a few seconds`, async () => {
      const { run, port } = await startedRunnel(launcher);
      // It really serves Kafka, not just accepts TCP.
      const c = await KafkaWire.connect(port);
      expect((await c.request(18, 3, { clientSoftwareName: 'cli-test', clientSoftwareVersion: '1' })).errorCode).toBe(0);
      await c.close();

      run.child.kill(signal);
      const r = await exitWithin(run, 5000);
      console.log(`runnel (${launcher}) exited ${r.code} ${r.ms} ms after ${signal}`);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      const msgs = logLines(run.stdout()).map((l) => l.msg);
      expect(msgs).toContain('Runnel started');
      expect(msgs).toContain('Runnel stopped');
      expect(run.stderr()).not.toMatch(/error/i);
    });
  }

  it('SIGTERM the moment it accepts connections (the start not yet finished) → exit 0, stopped cleanly', async () => {
    // The listeners open before the start has finished (prom-client and /metrics come after): a
    // signal in that window once killed the process with the default action (exit by SIGTERM).
    const port = await freePort();
    const dir = await tempDir();
    const run = runnel(['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`, '--override', 'runnel.metrics.port=0']);
    await waitListening(port, run, 20_000, 1);
    run.child.kill('SIGTERM');
    const r = await exitWithin(run, 5000);
    expect(r).toMatchObject({ code: 0, signal: null });
    const msgs = logLines(run.stdout()).map((l) => l.msg);
    expect(msgs).toContain('Runnel stopped');
    expect(run.stderr()).toBe('');
  });

  it('SIGTERM while the start is stuck (an etcd that never answers) → exit 1 after runnel.shutdown.timeout.ms, with a log line', async () => {
    const blackhole = createServer(() => undefined);
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    try {
      const etcdPort = (blackhole.address() as { port: number }).port;
      const dir = await tempDir();
      const run = runnel(['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${await freePort()}`, '--override', `log.dirs=${dir}`, '--override', 'runnel.metrics.port=0', '--override', 'node.id=1', '--override', `runnel.etcd.endpoints=127.0.0.1:${etcdPort}`, '--override', 'runnel.shutdown.timeout.ms=1500']);
      const deadline = Date.now() + 20_000;
      while (!logLines(run.stdout()).length) {
        if (Date.now() > deadline) throw new Error(`nothing logged; stderr: ${run.stderr()}`);
        await sleep(20);
      }
      await sleep(500);
      run.child.kill('SIGTERM');
      const r = await exitWithin(run, 6000);
      expect(r).toMatchObject({ code: 1, signal: null });
      expect(r.ms).toBeGreaterThanOrEqual(1400);
      const msgs = logLines(run.stdout()).map((l) => l.msg);
      expect(msgs).not.toContain('Runnel started');
      expect(msgs).toContain('the start did not finish in time after the signal; exiting');
    } finally {
      blackhole.close();
    }
  });

  it('SIGTERM with clients connected (one idle, one mid-conversation) → exit 0, the clients see the close', async () => {
    const { run, port } = await startedRunnel();
    const idle = await KafkaWire.connect(port);
    const busy = await KafkaWire.connect(port);
    expect((await busy.request(3, 12, { topics: null })).brokers).toHaveLength(1);
    run.child.kill('SIGTERM');
    const r = await exitWithin(run, 5000);
    console.log(`runnel exited ${r.code} ${r.ms} ms after SIGTERM with 2 clients connected`);
    expect(r.code).toBe(0);
    expect(await idle.waitClosed(1000)).toBe(true);
    expect(await busy.waitClosed(1000)).toBe(true);
  });
});

describe.concurrent('runnel that cannot start', () => {
  async function failsWithOneLine(args: string[], pattern: RegExp): Promise<void> {
    const run = runnel(args);
    const r = await exitWithin(run, 15_000, 2000);
    expect(r.code).toBe(1);
    const err = run.stderr();
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(pattern);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  }

  it('an invalid value → exit 1 with a one-line reason naming the key', async () => {
    const dir = await tempDir();
    await failsWithOneLine(['start', '--override', 'num.partitions=abc', '--override', `log.dirs=${dir}`], /num\.partitions/);
  });

  it('a listener without a security protocol → exit 1 with a one-line reason', async () => {
    const dir = await tempDir();
    await failsWithOneLine(['start', '--override', 'listeners=FOO://127.0.0.1:9093', '--override', `log.dirs=${dir}`], /listeners/);
  });

  it('a missing --config file → exit 1 with a one-line reason naming the file', async () => {
    await failsWithOneLine(['start', '--config', '/nonexistent/server.properties'], /\/nonexistent\/server\.properties/);
  });

  it('a data directory of another node.id → exit 1 with a one-line reason', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'meta.properties'), 'version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=5\n');
    const port = await freePort();
    await failsWithOneLine(['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`, '--override', 'node.id=1'], /node\.id/);
  });

  it('a port already in use → exit 1 with a one-line reason', async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = await tempDir();
      await failsWithOneLine(['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`], /in use/);
    } finally {
      blocker.close();
    }
  });

  it('an invalid advertised.listeners → exit 1 with a one-line reason (and no lingering process)', async () => {
    const dir = await tempDir();
    const port = await freePort();
    await failsWithOneLine(
      ['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', 'advertised.listeners=nonsense', '--override', `log.dirs=${dir}`],
      /advertised\.listeners/,
    );
  });

  it('an empty listeners value → exit 1 with a one-line reason naming listeners', async () => {
    const dir = await tempDir();
    await failsWithOneLine(['start', '--override', 'listeners=', '--override', `log.dirs=${dir}`], /listeners/);
  });

  it('an unknown option → exit 1', async () => {
    const run = runnel(['start', '--no-such-flag']);
    const r = await exitWithin(run, 15_000);
    expect(r.code).toBe(1);
    expect(run.stderr()).toContain('--no-such-flag');
  });
});

describe.concurrent('runnel --help', () => {
  it('runnel --help exits 0 with the usage on stdout', async () => {
    const run = runnel(['--help']);
    const r = await exitWithin(run, 15_000);
    expect(r.code).toBe(0);
    expect(run.stdout()).toMatch(/Usage: runnel/);
    expect(run.stderr()).toBe('');
  });

  it('runnel start --help exits 0 without starting', async () => {
    const run = runnel(['start', '--help']);
    const r = await exitWithin(run, 15_000);
    expect(r.code).toBe(0);
    expect(run.stdout()).toMatch(/Usage: runnel start/);
  });
});

describe('graceful shutdown in process', () => {
  it('requests already read are answered before the connection closes', async () => {
    const broker = await startBroker({ port: 0 });
    const c = await KafkaWire.connect(broker.port, clientHost(broker.host));
    // 40 requests in one write (fewer than the in-flight window): the broker reads them all at once.
    // Auto-creations wait for the disk, so most are still in flight when close() starts.
    const frames: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `shutdown-${i}`;
      frames.push(encodeRequest(3, 9, requestBody(3, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name }] }), { correlationId: i }));
      c.expect(3, 9, i);
    }
    c.sendRaw(Buffer.concat(frames));
    const first = await c.receive();
    expect(first.correlationId).toBe(0);
    const closing = broker.close();
    for (let i = 1; i < 40; i++) {
      const res = await c.receive();
      expect(res.correlationId).toBe(i);
      expect(res.body.topics[0].name).toBe(`shutdown-${i}`);
    }
    await closing;
    expect(await c.waitClosed(2000)).toBe(true);
  });

  it('close() does not wait for the force timer when clients close their side', async () => {
    const broker = await startBroker({ port: 0 });
    const conns = await Promise.all([1, 2, 3].map(() => KafkaWire.connect(broker.port, clientHost(broker.host))));
    for (const c of conns) await c.request(18, 0, {});
    const t0 = performance.now();
    await broker.close();
    const ms = performance.now() - t0;
    console.log(`broker.close() with 3 idle clients: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(900);
    for (const c of conns) expect(c.closed).toBe(true);
  });
});
