/**
 * One broker per data directory: the `.lock` file refuses a second broker (in this process or
 * another), is released by close(), and a lock left by a dead process (kill -9, a recycled pid)
 * does not block the next start. Several processes racing for one directory: exactly one wins.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker } from '../../src/broker.js';
import { lockDir, HEARTBEAT_MS, STALE_MS } from '../../src/storage/dir-lock.js';
import { apiVersionsWorks } from '../helpers/kafka-wire.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const children = new Set<ChildProcess>();
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-lock-test-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const refusal = (dir: string): RegExp => new RegExp(`^Failed to acquire lock on file \\.lock in ${escape(dir)}\\. `);

interface Holder {
  child: ChildProcess;
  /** Resolves with the next line the holder prints. */
  next(): Promise<string>;
  exited: Promise<void>;
}

/** A child process (test/storage/lock-holder.ts) that locks `dir` when told "go". */
async function holder(dir: string): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/storage/lock-holder.ts'), dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const h = { child, exited, next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise<string>((res) => waiters.push(res))) };
  expect(await h.next()).toBe('ready');
  return h;
}

async function killed(h: Holder): Promise<void> {
  h.child.kill('SIGKILL');
  await h.exited;
}

describe('data directory lock, in one process', () => {
  it('a second broker on the same data directory is refused; close() frees it', async () => {
    const dir = await tempDir();
    const first = await startBroker({ port: 0, dataDir: dir });
    try {
      await expect(startBroker({ port: 0, dataDir: dir })).rejects.toThrow(refusal(dir));
      await expect(startBroker({ port: 0, dataDir: dir })).rejects.toThrow(/A Runnel broker in this process is using this directory\.$/);
      expect(await apiVersionsWorks(first.port)).toBe(true);
      expect(existsSync(join(dir, '.lock'))).toBe(true);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    const again = await startBroker({ port: 0, dataDir: dir });
    expect(await apiVersionsWorks(again.port)).toBe(true);
    await again.close();
  });

  it('two brokers starting at the same moment: exactly one opens the directory', async () => {
    const dir = await tempDir();
    const results = await Promise.allSettled([startBroker({ port: 0, dataDir: dir }), startBroker({ port: 0, dataDir: dir })]);
    const opened = results.filter((r) => r.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(refusal(dir));
    await (opened[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startBroker>>>).value.close();
  });

  it('every one of several log.dirs is locked, and freed by close()', async () => {
    const [d1, d2] = [await tempDir(), await tempDir()];
    const b = await startBroker({ port: 0, config: { 'log.dirs': `${d1},${d2}` } });
    try {
      await expect(startBroker({ port: 0, dataDir: d2 })).rejects.toThrow(refusal(d2));
      await expect(startBroker({ port: 0, config: { 'log.dirs': `${d2},${d1}` } })).rejects.toThrow(refusal(d2));
      await expect(lockDir(d1)).rejects.toThrow(refusal(d1));
    } finally {
      await b.close();
    }
    const again = await startBroker({ port: 0, config: { 'log.dirs': `${d2},${d1}` } });
    await again.close();
  });

  it("a copy of a running broker's directory (with its .lock) can be opened: the lock names the directory it was taken in", async () => {
    const dir = await tempDir();
    const copy = await tempDir();
    const live = await startBroker({ port: 0, dataDir: dir });
    try {
      await cp(dir, copy, { recursive: true });
      expect(await readFile(join(copy, '.lock'), 'utf8')).toBe(await readFile(join(dir, '.lock'), 'utf8'));
      const b = await startBroker({ port: 0, dataDir: copy });
      await b.close();
      await expect(startBroker({ port: 0, dataDir: dir })).rejects.toThrow(refusal(dir));
    } finally {
      await live.close();
    }
  });

  it('a refused start leaves the other directories it had locked free', async () => {
    const [d1, d2] = [await tempDir(), await tempDir()];
    const b = await startBroker({ port: 0, dataDir: d2 });
    await expect(startBroker({ port: 0, config: { 'log.dirs': `${d1},${d2}` } })).rejects.toThrow(refusal(d2));
    expect(existsSync(join(d1, '.lock'))).toBe(false);
    const other = await startBroker({ port: 0, dataDir: d1 });
    await other.close();
    await b.close();
  });
});

describe('data directory lock, between processes', () => {
  it('a live process holding the directory refuses the start, naming its pid; after its kill -9 the start succeeds', async () => {
    const dir = await tempDir();
    const h = await holder(dir);
    h.child.stdin!.write('go\n');
    expect(await h.next()).toBe('locked');
    await expect(startBroker({ port: 0, dataDir: dir })).rejects.toThrow(
      new RegExp(`${refusal(dir).source}A Runnel broker in another process \\(pid ${h.child.pid}\\) is using this directory\\.$`),
    );
    await killed(h);
    expect(await readFile(join(dir, '.lock'), 'utf8')).toContain(`pid=${h.child.pid}\n`); // left behind by the dead process
    const b = await startBroker({ port: 0, dataDir: dir });
    expect(await readFile(join(dir, '.lock'), 'utf8')).toContain(`pid=${process.pid}\n`);
    await b.close();
  }, 30_000);

  it.skipIf(!existsSync('/proc/self/stat'))('a recycled pid does not hold the lock: the recorded start time must match', async () => {
    const dir = await tempDir();
    const h = await holder(dir);
    h.child.stdin!.write('go\n');
    expect(await h.next()).toBe('locked');
    await killed(h);
    const stale = await readFile(join(dir, '.lock'), 'utf8');
    // Alive pids, but other processes than the one that wrote the record: this one, and its parent.
    for (const pid of [process.pid, process.ppid]) {
      await writeFile(join(dir, '.lock'), stale.replace(/^pid=\d+$/m, `pid=${pid}`));
      const l = await lockDir(dir);
      await l.release();
    }
  }, 30_000);

  it.skipIf(!existsSync('/proc/self/ns/pid'))('an owner in another pid namespace counts as alive until its lock is STALE_MS old', async () => {
    const dir = await tempDir();
    const h = await holder(dir);
    h.child.stdin!.write('go\n');
    expect(await h.next()).toBe('locked');
    await killed(h);
    const stale = await readFile(join(dir, '.lock'), 'utf8');
    await writeFile(join(dir, '.lock'), stale.replace(/^pidns=.*$/m, 'pidns=pid:[1]'));
    await expect(lockDir(dir)).rejects.toThrow(/in another container or machine; its lock was refreshed 0 s ago/);
    const old = new Date(Date.now() - STALE_MS - 1000);
    await utimes(join(dir, '.lock'), old, old);
    const l = await lockDir(dir);
    await l.release();
  }, 30_000);

  it('the holder refreshes its lock file every HEARTBEAT_MS', async () => {
    const dir = await tempDir();
    const h = await holder(dir);
    h.child.stdin!.write('go\n');
    expect(await h.next()).toBe('locked');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, '.lock'), old, old);
    await sleep(HEARTBEAT_MS + 1500);
    expect(Date.now() - (await stat(join(dir, '.lock'))).mtimeMs).toBeLessThan(HEARTBEAT_MS + 1000);
    await killed(h);
  }, 30_000);

  for (const when of ['a fresh directory', 'a lock left by a killed process'])
    it(`four processes racing for ${when}: exactly one wins`, async () => {
      const dir = await tempDir();
      if (when !== 'a fresh directory') {
        const h = await holder(dir);
        h.child.stdin!.write('go\n');
        expect(await h.next()).toBe('locked');
        await killed(h);
      }
      const racers = await Promise.all([1, 2, 3, 4].map(() => holder(dir)));
      for (const r of racers) r.child.stdin!.write('go\n');
      const outcomes = await Promise.all(racers.map((r) => r.next()));
      expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o !== 'locked')) expect(o).toMatch(/^refused Failed to acquire lock on file \.lock in /);
      const winner = racers[outcomes.indexOf('locked')];
      expect(await readFile(join(dir, '.lock'), 'utf8')).toContain(`pid=${winner.child.pid}\n`);
      for (const r of racers) await killed(r);
      expect((await readdir(dir)).filter((n) => n.startsWith('.lock.'))).toEqual([]); // no claim or temporary file left
    }, 60_000);
});
