/**
 * Where SCRAM credentials live: the port, and the single node's implementation (a JSON file in the
 * data directory, replaced atomically and readable by its owner only; in memory with storage
 * 'memory'). A cluster keeps them in etcd (etcd-credential-store.ts). Only what Kafka's
 * UserScramCredentialRecord holds is stored: salt, StoredKey, ServerKey and iterations per user and
 * mechanism, never a password or a salted password. Readers get a snapshot that is replaced, never
 * mutated, so an authentication never sees half of an AlterUserScramCredentials.
 */
import { join } from 'node:path';
import { readJsonArray, writeFileAtomic } from '../../util/fs.js';
import { mechanismByName, type ScramCredential, type ScramMechanismName } from './scram-formatter.js';

/** user → mechanism → credential. */
export type ScramSnapshot = ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>;

/** One credential set (credential) or removed (null). */
export interface ScramChange {
  user: string;
  mechanism: ScramMechanismName;
  credential: ScramCredential | null;
}

export interface ScramCredentialStore {
  snapshot(): ScramSnapshot;
  /** Applies all changes at once (all or none) and resolves once snapshot() shows them. */
  apply(changes: readonly ScramChange[]): Promise<void>;
  /** Called after every change of the snapshot, whoever made it. */
  onChange(fn: () => void): void;
  close(): Promise<void>;
}

export function lookupCredential(store: ScramCredentialStore, user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
  return store.snapshot().get(user)?.get(mechanism);
}

export function applyScramChanges(current: ScramSnapshot, changes: readonly ScramChange[]): Map<string, ReadonlyMap<ScramMechanismName, ScramCredential>> {
  const next = new Map(current);
  for (const c of changes) {
    const creds = new Map(next.get(c.user) ?? []);
    if (c.credential === null) creds.delete(c.mechanism);
    else creds.set(c.mechanism, c.credential);
    if (creds.size === 0) next.delete(c.user);
    else next.set(c.user, creds);
  }
  return next;
}

/** A credential as stored (base64 bytes). */
export interface StoredCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

export function storedCredential(c: ScramCredential): StoredCredential {
  return { salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations };
}

/** A stored credential, or undefined when it is not one this broker understands. */
export function parseCredential(v: unknown): ScramCredential | undefined {
  const s = v as Partial<StoredCredential> | undefined;
  if (!s || typeof s.salt !== 'string' || typeof s.storedKey !== 'string' || typeof s.serverKey !== 'string' || !Number.isInteger(s.iterations)) return undefined;
  return { salt: Buffer.from(s.salt, 'base64'), storedKey: Buffer.from(s.storedKey, 'base64'), serverKey: Buffer.from(s.serverKey, 'base64'), iterations: s.iterations! };
}

export const SCRAM_FILE = 'scram-credentials.json';

interface FileEntry extends StoredCredential {
  user: string;
  mechanism: string;
}

export class LocalScramStore implements ScramCredentialStore {
  private entries: ScramSnapshot = new Map();
  private readonly listeners: Array<() => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | undefined) {}

  /** The credentials of `dataDir` (none stored yet: empty); in memory without a data directory. */
  static async open(dataDir: string | undefined, warn: (msg: string) => void = () => {}): Promise<LocalScramStore> {
    const s = new LocalScramStore(dataDir === undefined ? undefined : join(dataDir, SCRAM_FILE));
    if (!s.path) return s;
    const stored = await readJsonArray(s.path);
    if (!stored) return s;
    const changes: ScramChange[] = [];
    for (const raw of stored as FileEntry[]) {
      const credential = parseCredential(raw);
      const mechanism = mechanismByName(raw?.mechanism)?.name;
      if (credential && mechanism && typeof raw.user === 'string' && raw.user !== '') changes.push({ user: raw.user, mechanism, credential });
      else warn('ignoring a stored SCRAM credential it does not understand');
    }
    s.entries = applyScramChanges(new Map(), changes);
    return s;
  }

  snapshot(): ScramSnapshot {
    return this.entries;
  }

  apply(changes: readonly ScramChange[]): Promise<void> {
    // Serialized: each change starts from the result of the previous one.
    const run = this.queue.then(async () => {
      const next = applyScramChanges(this.entries, changes);
      if (this.path) {
        const out: FileEntry[] = [];
        for (const [user, creds] of next) for (const [mechanism, c] of creds) out.push({ user, mechanism, ...storedCredential(c) });
        await writeFileAtomic(this.path, JSON.stringify(out, null, 1), 0o600);
      }
      this.entries = next;
      for (const fn of this.listeners) fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
