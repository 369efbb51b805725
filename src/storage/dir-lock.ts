/**
 * One broker per data directory: every log dir is locked for the life of the broker, as Kafka's
 * LogManager locks a `.lock` file in each (Kafka: flock; a second broker fails with "Failed to
 * acquire lock on file .lock in <dir>").
 *
 * Node has no flock, and the native packages that add it need a compiler at install time, so the
 * lock is a file whose existence is the lock and whose content names the owner:
 *
 *   pid, start (the owner's start time from /proc/<pid>/stat), boot (the kernel's boot id),
 *   pidns (the owner's pid namespace), host, dir (device and inode of the directory), nonce
 *   (unique per lock).
 *
 * Acquiring: the record is written complete to a private temporary file and hard-linked to `.lock`.
 * link() is atomic and fails when `.lock` exists, so of two brokers starting at once exactly one
 * wins, and nobody ever reads a half-written record. On conflict the record is judged:
 *   - a record naming another directory was copied along with the data (a backup of a running
 *     broker's directory): it does not hold this one;
 *   - same kernel boot and pid namespace (Linux): the owner is alive if /proc/<pid> exists, is not a
 *     zombie, and started at the recorded time; a recycled pid (a restarted container's pid 1, say)
 *     does not hold the lock;
 *   - no /proc on either side (macOS): alive if the pid exists (kill 0) on the same host;
 *   - the same host name but another boot: the machine restarted, the owner is gone;
 *   - otherwise (another pid namespace or machine sharing the directory) the pid cannot be checked,
 *     so the owner refreshes the file's mtime every HEARTBEAT_MS and counts as alive until STALE_MS
 *     after the last refresh.
 * A live owner, or a directory already held in this process (a registry shared by every copy of
 * this module in the process), refuses the start with LockedError.
 *
 * Taking over a dead owner's file must not let two contenders both win (A replaces the stale file,
 * B, which judged the same stale file, then replaces A's). So a takeover first claims the stale
 * record: it links `.lock.claim-<nonce of the stale record>-<k>`, k = 0, 1, ...; only one process
 * can create each name, a claim whose owner is alive makes the others back off and look again, and
 * a claim whose owner died is passed over for k+1. The claim's holder re-reads `.lock`, and only if
 * it is still the record judged stale renames its own record over it. Nothing else replaces a file
 * that is present, so the check and the rename cannot interleave with another writer.
 *
 * Release (close()) removes `.lock` if it is still this lock's record; on any other death the file
 * stays and is recognised as stale by the next start. Claim files are removed by the next owner.
 */
import { link, open, readFile, readdir, readlink, realpath, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { randomBytes, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE = '.lock';
const CLAIM_PREFIX = '.lock.claim-';
const TMP_PREFIX = '.lock.tmp-';
/** How often the owner refreshes the mtime, and when an unverifiable owner counts as gone. */
export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 20_000;
/** How long a start waits for another process's takeover to finish before giving up. */
const CONTENDED_MS = 10_000;

export class LockedError extends Error {
  readonly code = 'ELOCKED';
}

export interface DirLock {
  readonly dir: string;
  /** Removes the lock file (if it is still ours) and frees the directory in this process. */
  release(): Promise<void>;
}

interface Identity {
  pid: number;
  start?: string;
  boot?: string;
  pidns?: string;
  host: string;
}

interface Owner extends Partial<Identity> {
  dir?: string;
  nonce: string;
}

interface Found {
  content: string;
  owner: Owner;
  mtimeMs: number;
}

/** Directories held by this process (keyed by real path), shared by every copy of this module. */
const held: Map<string, true> = ((globalThis as Record<symbol, unknown>)[Symbol.for('runnel.dirLocks')] ??= new Map()) as Map<string, true>;

/** Locks every directory or none: on a refusal the ones already taken are released. */
export async function lockDirs(dirs: string[], onLost?: (dir: string) => void): Promise<DirLock[]> {
  const locks: DirLock[] = [];
  try {
    for (const d of dirs) locks.push(await lockDir(d, onLost));
  } catch (err) {
    for (const l of locks.reverse()) await l.release().catch(() => undefined);
    throw err;
  }
  return locks;
}

/** Locks an existing directory; rejects with LockedError when a live broker holds it. */
export async function lockDir(dir: string, onLost?: (dir: string) => void): Promise<DirLock> {
  const key = await realpath(dir);
  if (held.has(key)) throw lockedError(dir, 'A Runnel broker in this process is using this directory.');
  held.set(key, true); // no await since the check: concurrent calls in this process cannot both pass
  try {
    const me = await identity();
    const nonce = randomBytes(12).toString('hex');
    const dirId = await dirIdentity(dir);
    const content = record(me, dirId, nonce);
    const tmp = join(dir, `${TMP_PREFIX}${process.pid}-${nonce}`);
    await writeFile(tmp, content, { flag: 'wx' });
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, 'r'); // the lock's inode, for the heartbeat and to notice its loss
      await install(dir, dirId, tmp);
    } catch (err) {
      await fh?.close();
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await cleanUp(dir);
    return holding(dir, key, fh, content, onLost);
  } catch (err) {
    held.delete(key);
    throw err;
  }
}

function holding(dir: string, key: string, fh: FileHandle, content: string, onLost?: (dir: string) => void): DirLock {
  let lost = false;
  const timer = setInterval(() => {
    const now = new Date();
    void fh.utimes(now, now).catch(() => undefined);
    void fh.stat().then(
      (st) => {
        if (st.nlink === 0 && !lost) {
          lost = true;
          onLost?.(dir);
        }
      },
      () => undefined,
    );
  }, HEARTBEAT_MS);
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    dir,
    release() {
      released ??= (async () => {
        clearInterval(timer);
        const path = join(dir, LOCK_FILE);
        // Only our own record: had someone (wrongly) taken over, removing theirs would free it twice.
        if ((await readFile(path, 'utf8').catch(() => undefined)) === content) await unlink(path).catch(() => undefined);
        await fh.close().catch(() => undefined);
        held.delete(key);
      })();
      return released;
    },
  };
}

async function install(dir: string, dirId: string, tmp: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const deadline = Date.now() + CONTENDED_MS;
  for (;;) {
    try {
      await link(tmp, path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const cur = await readRecord(path);
    if (!cur) continue; // released between our link and our read
    const verdict = await judge(cur, dirId);
    if (verdict !== 'dead') throw lockedError(dir, verdict);
    const taken = await takeOver(dir, dirId, tmp, cur);
    if (taken === true) return;
    if (Date.now() > deadline) throw lockedError(dir, `Another Runnel broker${taken ? ` (${describe(taken.owner)})` : ''} is starting on this directory.`);
    await sleep(25);
  }
}

/** true when the stale record was replaced by ours; otherwise the live claim that got in first (or nothing: look again). */
async function takeOver(dir: string, dirId: string, tmp: string, stale: Found): Promise<true | Found | undefined> {
  const path = join(dir, LOCK_FILE);
  const id = stale.owner.nonce.replace(/[^0-9a-zA-Z]/g, '');
  for (let k = 0; ; k++) {
    const claim = join(dir, `${CLAIM_PREFIX}${id}-${k}`);
    try {
      await link(tmp, claim);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = await readRecord(claim);
      if (!other) return undefined; // removed by a new owner: start over
      if ((await judge(other, dirId)) !== 'dead') return other;
      continue;
    }
    try {
      if ((await readFile(path, 'utf8').catch(() => undefined)) !== stale.content) return undefined;
      await rename(tmp, path);
      return true;
    } finally {
      // Ours now (or not needed): a live claim would hold back this process's own next attempt.
      await unlink(claim).catch(() => undefined);
    }
  }
}

/** Claim files, and temporary files left by a process killed while starting. */
async function cleanUp(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (name.startsWith(CLAIM_PREFIX)) await unlink(path).catch(() => undefined);
    else if (name.startsWith(TMP_PREFIX)) {
      const st = await stat(path).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 60_000) await unlink(path).catch(() => undefined);
    }
  }
}

function lockedError(dir: string, why: string): LockedError {
  return new LockedError(`Failed to acquire lock on file ${LOCK_FILE} in ${dir}. ${why}`);
}

function describe(o: Owner): string {
  return `pid ${o.pid ?? '?'}${o.host && o.host !== hostname() ? ` on ${o.host}` : ''}`;
}

/** 'dead', or why the owner counts as alive (the second half of the error message). */
async function judge(f: Found, dirId: string): Promise<'dead' | string> {
  const o = f.owner;
  const me = await identity();
  if (o.pid === undefined) return 'dead'; // not a record we wrote whole: only a crash of the machine tears one
  const busy =
    o.pid === me.pid && o.host === me.host
      ? 'A Runnel broker in this process is using this directory.'
      : `A Runnel broker in another process (${describe(o)}) is using this directory.`;
  const sameKernel = o.boot !== undefined && me.boot !== undefined && o.boot === me.boot;
  // Device numbers are only comparable where the directory is seen through the same kernel.
  if ((sameKernel || (o.boot === undefined && o.host === me.host)) && o.dir !== undefined && o.dir !== dirId) return 'dead';
  if (sameKernel && o.pidns !== undefined && o.pidns === me.pidns) {
    const p = await procStat(o.pid);
    if (p) return p.state !== 'Z' && p.state !== 'X' && p.start === o.start ? busy : 'dead';
    // /proc mounted with hidepid hides other users' processes: then only whether the pid exists is known.
    return pidExists(o.pid) ? busy : 'dead';
  }
  if (o.boot === undefined && me.boot === undefined && o.host === me.host) {
    if (o.pid === process.pid) return 'dead'; // this process would be in `held`
    return pidExists(o.pid) ? busy : 'dead';
  }
  if (o.boot !== undefined && me.boot !== undefined && o.boot !== me.boot && o.host === me.host) return 'dead';
  const age = Date.now() - f.mtimeMs;
  if (age >= STALE_MS) return 'dead';
  return `A Runnel broker (${describe(o)}, in another container or machine; its lock was refreshed ${Math.round(age / 1000)} s ago) is using this directory; the lock expires ${STALE_MS / 1000} s after its owner stops refreshing it.`;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readRecord(path: string): Promise<Found | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const [content, st] = await Promise.all([fh.readFile('utf8'), fh.stat()]);
    return { content, owner: parse(content), mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

function record(me: Identity, dirId: string, nonce: string): string {
  const lines = ['# Held by a running Runnel broker (see README.md, Storage layout).', `pid=${me.pid}`];
  if (me.start !== undefined) lines.push(`start=${me.start}`);
  if (me.boot !== undefined) lines.push(`boot=${me.boot}`);
  if (me.pidns !== undefined) lines.push(`pidns=${me.pidns}`);
  lines.push(`host=${me.host}`, `dir=${dirId}`, `nonce=${nonce}`);
  return lines.join('\n') + '\n';
}

function parse(content: string): Owner {
  const kv = new Map<string, string>();
  for (const line of content.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const pid = Number(kv.get('pid'));
  const nonce = kv.get('nonce');
  const whole = Number.isInteger(pid) && pid > 0 && nonce !== undefined && kv.has('host');
  return {
    pid: whole ? pid : undefined,
    start: kv.get('start'),
    boot: kv.get('boot'),
    pidns: kv.get('pidns'),
    host: kv.get('host'),
    dir: kv.get('dir'),
    nonce: nonce ?? createHash('sha256').update(content).digest('hex').slice(0, 24),
  };
}

async function dirIdentity(dir: string): Promise<string> {
  const st = await stat(dir, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

let self: Promise<Identity> | undefined;
function identity(): Promise<Identity> {
  self ??= (async () => {
    const p = await procStat(process.pid);
    const boot = p ? await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((s) => s.trim(), () => undefined) : undefined;
    const pidns = p ? await readlink('/proc/self/ns/pid').catch(() => undefined) : undefined;
    return { pid: process.pid, start: p?.start, boot, pidns, host: hostname() };
  })();
  return self;
}

/** State and start time (clock ticks since boot) of a process, from /proc; undefined if there is none. */
async function procStat(pid: number): Promise<{ state: string; start: string } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}
