/**
 * SCRAM credentials in a cluster: one etcd key per user and mechanism under <prefix>/scram/
 * (<prefix>/scram/<mechanism>/<user, URL-encoded>), each holding the salt, StoredKey, ServerKey and
 * iterations as JSON, as Kafka's metadata log holds UserScramCredentialRecords. The store reads them
 * from the broker's control state (EtcdControl: its one connection and its watch on the whole
 * prefix) into an in-memory snapshot, so a credential altered through any broker, or while this one
 * was down, authenticates on all of them. An alteration is one etcd transaction over the keys it
 * touches, guarded by their revisions (guarded-write.ts), and returns once this broker's state has it.
 */
import { guardedWrite } from '../../cluster/etcd/guarded-write.js';
import type { EtcdControl } from '../../cluster/etcd/etcd-control.js';
import type { Logger } from '../../util/logger.js';
import { PrefixWatch } from '../../cluster/etcd/prefix-watch.js';
import { mechanismByName, type ScramMechanismName } from './scram-formatter.js';
import { applyScramChanges, parseCredential, storedCredential, type ScramChange, type ScramCredentialStore, type ScramSnapshot } from './credential-store.js';

const MAX_ATTEMPTS = 20;

/** The etcd key of a user's credential for a mechanism under `root` (the cluster prefix without a trailing '/'). */
export function scramKey(root: string, mechanism: ScramMechanismName, user: string): string {
  return `${root}/scram/${mechanism}/${encodeURIComponent(user)}`;
}

export class EtcdScramStore implements ScramCredentialStore {
  private entries: ScramSnapshot = new Map();
  private readonly root: string;
  private readonly watch: PrefixWatch;

  constructor(
    private readonly control: EtcdControl,
    log: Logger,
  ) {
    this.root = control.keys.root;
    const dir = `${this.root}/scram/`;
    this.watch = new PrefixWatch(control, 'scram', 'SCRAM credential', log, (stored, bad) => {
      const changes: ScramChange[] = [];
      for (const [key, value] of stored) {
        const [mechanismName, encoded, ...rest] = key.slice(dir.length).split('/');
        const mechanism = mechanismByName(mechanismName)?.name;
        let credential;
        let user: string | undefined;
        try {
          user = decodeURIComponent(encoded ?? '');
          credential = parseCredential(JSON.parse(value));
        } catch {
          credential = undefined;
        }
        if (mechanism && credential && user && rest.length === 0) changes.push({ user, mechanism, credential });
        else bad(key);
      }
      this.entries = applyScramChanges(new Map(), changes);
    });
  }

  snapshot(): ScramSnapshot {
    return this.entries;
  }

  async apply(changes: readonly ScramChange[]): Promise<void> {
    const writes = new Map<string, string | null>();
    for (const c of changes) writes.set(scramKey(this.root, c.mechanism, c.user), c.credential === null ? null : JSON.stringify(storedCredential(c.credential)));
    // Each key is replaced whole, so the stored values do not matter; the guard still orders this write after any concurrent one.
    await guardedWrite(this.control, [...writes.keys()], () => writes, MAX_ATTEMPTS);
  }

  onChange(fn: () => void): void {
    this.watch.onChange(fn);
  }

  /** The control connection is the broker's; the store only stops listening to it. */
  async close(): Promise<void> {
    this.watch.close();
  }
}
