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
import { tellListeners } from '../../util/listeners.js';
import { mechanismByName, type ScramMechanismName } from './scram-formatter.js';
import { applyScramChanges, parseCredential, storedCredential, type ScramChange, type ScramCredentialStore, type ScramSnapshot } from './credential-store.js';

const MAX_ATTEMPTS = 20;

/** The etcd key of a user's credential for a mechanism under `root` (the cluster prefix without a trailing '/'). */
export function scramKey(root: string, mechanism: ScramMechanismName, user: string): string {
  return `${root}/scram/${mechanism}/${encodeURIComponent(user)}`;
}

export class EtcdScramStore implements ScramCredentialStore {
  private entries: ScramSnapshot = new Map();
  /** etcd key → the mod_revision read: an unchanged prefix needs no new snapshot. */
  private revisions = new Map<string, number>();
  private readonly listeners: Array<() => void> = [];
  private readonly root: string;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly control: EtcdControl,
    private readonly log: Logger,
  ) {
    this.root = control.keys.root;
    this.refresh();
    // Every watch batch of the control state; a batch that leaves P/scram/ as it was changes nothing.
    this.unsubscribe = control.onImage(() => this.refresh());
  }

  private get dir(): string {
    return `${this.root}/scram/`;
  }

  private refresh(): void {
    const stored = this.control.state.under(this.dir);
    if (stored.length === this.revisions.size && stored.every(([k, s]) => this.revisions.get(k) === s.modRevision)) return;
    const changes: ScramChange[] = [];
    const revisions = new Map<string, number>();
    for (const [key, s] of stored) {
      revisions.set(key, s.modRevision);
      const [mechanismName, encoded, ...rest] = key.slice(this.dir.length).split('/');
      const mechanism = mechanismByName(mechanismName)?.name;
      let credential;
      let user: string | undefined;
      try {
        user = decodeURIComponent(encoded ?? '');
        credential = parseCredential(JSON.parse(s.value));
      } catch {
        credential = undefined;
      }
      if (mechanism && credential && user && rest.length === 0) changes.push({ user, mechanism, credential });
      else if (this.revisions.get(key) !== s.modRevision) this.log.warn({ key }, 'ignoring a SCRAM credential key it does not understand');
    }
    this.revisions = revisions;
    this.entries = applyScramChanges(new Map(), changes);
    tellListeners(this.listeners, [], this.log, 'SCRAM credential');
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
    this.listeners.push(fn);
  }

  /** The control connection is the broker's; the store only stops listening to it. */
  async close(): Promise<void> {
    this.unsubscribe();
  }
}
