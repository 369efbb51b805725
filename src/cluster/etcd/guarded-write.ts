/**
 * A write of a module's own keys under the cluster prefix (dynamic configs, client quotas) that no
 * other broker's write can interleave with: the keys are read from etcd (this broker's watched copy
 * may lag), the new values computed from them, and written in one transaction guarded by the
 * mod_revisions read (0 for a key that does not exist), again from fresh values when another writer
 * got in between. It resolves once this broker's control state has the write, so the caller's own
 * view shows it (Kafka's controller serializes such writes; etcd's compare-and-swap stands in).
 */
import { within } from './client.js';
import type { EtcdControl } from './etcd-control.js';

/** key → new value, or null to delete the key. */
export type KeyWrites = ReadonlyMap<string, string | null>;

/**
 * `compute` gets the stored value of each of `keys` that exists and returns the writes, or
 * undefined to write nothing. False when nothing was written; throws after `maxAttempts` conflicts.
 */
export async function guardedWrite(
  control: Pick<EtcdControl, 'client' | 'timeoutMs' | 'caughtUp'>,
  keys: readonly string[],
  compute: (stored: ReadonlyMap<string, string>) => KeyWrites | undefined,
  maxAttempts = Infinity,
): Promise<boolean> {
  const { client, timeoutMs } = control;
  if (keys.length === 0) return false;
  for (let attempt = 1; ; attempt++) {
    const stored = new Map<string, string>();
    const revisions = await Promise.all(
      keys.map(async (key) => {
        const kv = (await client.get(key).options(within(timeoutMs)).exec()).kvs[0];
        if (kv) stored.set(key, kv.value.toString());
        return kv ? Number(kv.mod_revision) : 0;
      }),
    );
    const writes = compute(stored);
    if (writes === undefined || writes.size === 0) return false;
    let txn = client.if(keys[0], 'Mod', '==', revisions[0]);
    for (let i = 1; i < keys.length; i++) txn = txn.and(keys[i], 'Mod', '==', revisions[i]);
    const ops = [...writes].map(([key, value]) => (value === null ? client.delete().key(key) : client.put(key).value(value)));
    const done = await txn.then(...ops).options(within(timeoutMs)).commit();
    if (done.succeeded) {
      await control.caughtUp(Number(done.header.revision));
      return true;
    }
    if (attempt >= maxAttempts) throw new Error(`etcd: ${keys.join(', ')} changed concurrently ${attempt} times; giving up`);
  }
}
