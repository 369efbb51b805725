/**
 * `runnel start` as child processes on the same log.dirs: the second exits 1 with a one-line
 * reason, touching nothing, while the first keeps serving its data; after kill -9 of the first the
 * next start opens the directories and finds everything; a clean stop leaves no lock behind.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitListening } from '../helpers/ports.js';
import { Client } from '../../src/client/client.js';
import { createTopic } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { fetchOnce } from '../../src/client/consumer.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/runnel.js');
const dirs: string[] = [];
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const c of children) killGroup(c, 'SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-c.pid!, signal);
  } catch {
    // already gone
  }
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runnel(port: number, logDirs: string[]): Run {
  const args = ['start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${logDirs.join(',')}`, '--override', 'runnel.metrics.port=0'];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, stderr: () => err, exited };
}

/** Exit code within 20 s, or the test fails (a refused start must not hang). */
async function exitCode(run: Run): Promise<number | null> {
  const r = await Promise.race([run.exited, sleep(20_000).then(() => undefined)]);
  if (!r) {
    killGroup(run.child, 'SIGKILL');
    throw new Error(`runnel did not exit: ${run.stderr()}`);
  }
  return r.code;
}

/** Every file under the dirs with its size and mtime (the lock file's mtime is refreshed, so only its presence counts). */
async function snapshot(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name === '.lock') out.push(p);
      else {
        const st = await stat(p);
        out.push(`${p} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  for (const r of roots) await walk(r);
  return out.sort();
}

async function produced(port: number, values: string[]): Promise<void> {
  const client = await Client.connect(`127.0.0.1:${port}`);
  try {
    await createTopic(client, { name: 'kept', partitions: 4, replicationFactor: 1, configs: {} });
    const topic = await client.topic('kept');
    const p = new Producer(client, topic, { acks: -1, compression: 0 });
    for (let i = 0; i < values.length; i++) await p.send([{ key: null, value: Buffer.from(values[i]), partition: i % 4 }]);
  } finally {
    await client.close();
  }
}

async function consumed(port: number): Promise<string[]> {
  const client = await Client.connect(`127.0.0.1:${port}`);
  try {
    const topic = await client.topic('kept');
    const conn = await client.broker(topic.partitions[0].leader);
    const res = await fetchOnce(conn, 'kept', new Map([0, 1, 2, 3].map((p) => [p, 0n])), { maxWaitMs: 100, isolationLevel: 0 });
    return res.flatMap((r) => r.records.map((rec) => rec.value!.toString())).sort();
  } finally {
    await client.close();
  }
}

describe('runnel start on data directories another broker is using', () => {
  it('exits 1 with one line, the first broker keeps serving untouched data; after its kill -9 the next start opens them', async () => {
    const [d1, d2] = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), 'runnel-lock-cli-'))));
    dirs.push(d1, d2);
    const port1 = await freePort();
    const first = runnel(port1, [d1, d2]);
    await waitListening(port1, first);
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    await produced(port1, values);
    // Partitions are spread over both dirs, so both hold data the second broker must not touch.
    expect((await readdir(d1)).some((n) => n.startsWith('kept-'))).toBe(true);
    expect((await readdir(d2)).some((n) => n.startsWith('kept-'))).toBe(true);
    const before = await snapshot([d1, d2]);

    for (const logDirs of [[d1, d2], [d1], [d2]]) {
      const second = runnel(await freePort(), logDirs);
      expect(await exitCode(second)).toBe(1);
      const err = second.stderr();
      expect(err.endsWith('\n')).toBe(true);
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toBe(`runnel: Failed to acquire lock on file .lock in ${logDirs[0]}. A Runnel broker in another process (pid ${first.child.pid}) is using this directory.\n`);
    }
    expect(await snapshot([d1, d2])).toEqual(before);
    expect(await consumed(port1)).toEqual([...values].sort());

    killGroup(first.child, 'SIGKILL');
    await first.exited;
    expect(existsSync(join(d1, '.lock')) && existsSync(join(d2, '.lock'))).toBe(true); // left behind by the dead broker
    const port3 = await freePort();
    const third = runnel(port3, [d1, d2]);
    await waitListening(port3, third);
    expect(await consumed(port3)).toEqual([...values].sort());
    third.child.kill('SIGTERM');
    expect(await exitCode(third)).toBe(0);
    expect(existsSync(join(d1, '.lock')) || existsSync(join(d2, '.lock'))).toBe(false);
  }, 90_000);
});
