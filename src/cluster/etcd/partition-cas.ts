/**
 * Compare-and-swap of one partition's state key (P/partitions/<t>/<p>): the only way a partition's
 * state changes after its topic was created. The compare is on the key's mod_revision, plus a
 * guard key that proves the writer's right to write (the controller's key for the controller, the
 * broker's own registration for a leader); a stale cached revision is refreshed and the decision
 * taken again on the current state, a failed guard answers 'fenced'.
 */
import type { Etcd3, IKeyValue } from 'etcd3';
import type { AlterResult } from '../control.js';
import type { PartitionImage } from '../metadata-image.js';
import { within } from './client.js';
import type { ControlState, StoredKey } from './control-state.js';
import { parsePartition, parseTopic, type StoredPartition } from './keys.js';

/** A key whose create_revision (a 'Create' guard) or lease (a 'Lease' guard) must still be what it was. */
export interface WriteGuard {
  key: string;
  target: 'Create' | 'Lease';
  value: string;
}

/**
 * What to write given the current state and replica set: a new state, 'stale' to refuse, or
 * undefined for nothing to do. A change naming `replicas` sets the replica set and the
 * reassignment in progress (none when `addingReplicas`/`removingReplicas` are left out).
 */
export type PartitionDecision = (
  current: StoredPartition,
  replicas: readonly number[],
) => { leader: number; isr: readonly number[]; replicas?: readonly number[]; addingReplicas?: readonly number[]; removingReplicas?: readonly number[] } | 'stale' | undefined;

const MAX_ATTEMPTS = 20;

function stored(kv: IKeyValue): StoredKey {
  return { value: kv.value.toString(), modRevision: Number(kv.mod_revision), createRevision: Number(kv.create_revision), lease: String(kv.lease) };
}

/** The image of a partition whose topic key assigns it `assigned` (a reassigned partition's own replica set wins). */
export function partitionImage(index: number, assigned: readonly number[], s: StoredPartition): PartitionImage {
  const image: PartitionImage = {
    partition: index,
    replicas: Object.freeze([...(s.replicas ?? assigned)]),
    isr: Object.freeze([...s.isr]),
    leader: s.leader,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    ...(s.addingReplicas ? { addingReplicas: Object.freeze([...s.addingReplicas]) } : {}),
    ...(s.removingReplicas ? { removingReplicas: Object.freeze([...s.removingReplicas]) } : {}),
  };
  return Object.freeze(image);
}

export interface CasResult {
  result: AlterResult | { ok: true; state: PartitionImage; unchanged: true };
  /** The etcd revision of the write, when one was made. */
  revision?: number;
}

export async function casPartition(client: Etcd3, state: ControlState, topic: string, partition: number, guard: WriteGuard | undefined, decide: PartitionDecision, timeoutMs: number): Promise<CasResult> {
  const key = state.keys.partition(topic, partition);
  let cur = state.get(key);
  const topicKey = state.get(state.keys.topic(topic));
  let replicas = topicKey ? parseTopic(topicKey.value)?.replicas[partition] : undefined;
  // The cached state may be behind etcd: a refusal or a no-op decided on it is confirmed on a fresh read.
  let fresh = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (!cur || !replicas) {
      fresh = true;
      const [p, t] = await Promise.all([client.get(key).options(within(timeoutMs)).exec(), client.get(state.keys.topic(topic)).options(within(timeoutMs)).exec()]);
      const pkv = p.kvs[0];
      const tkv = t.kvs[0];
      replicas = tkv ? parseTopic(tkv.value.toString())?.replicas[partition] : undefined;
      if (!pkv || !replicas) return { result: { ok: false, reason: 'unknown' } };
      cur = stored(pkv);
    }
    const current = parsePartition(cur.value);
    if (!current) return { result: { ok: false, reason: 'unknown' } };
    const change = decide(current, current.replicas ?? replicas);
    if ((change === 'stale' || change === undefined) && !fresh) {
      cur = undefined;
      continue;
    }
    if (change === 'stale') return { result: { ok: false, reason: 'stale' } };
    if (change === undefined) return { result: { ok: true, state: partitionImage(partition, replicas, current), unchanged: true } };
    const next: StoredPartition = {
      leader: change.leader,
      isr: [...change.isr],
      leaderEpoch: change.leader !== current.leader ? current.leaderEpoch + 1 : current.leaderEpoch,
      partitionEpoch: current.partitionEpoch + 1,
      ...reassignmentFields(current, change),
    };
    let txn = client.if(key, 'Mod', '==', cur.modRevision);
    if (guard) txn = txn.and(guard.key, guard.target, '==', guard.target === 'Create' ? Number(guard.value) : guard.value);
    const res = await txn
      .then(client.put(key).value(JSON.stringify(next)))
      .else(client.get(key), ...(guard ? [client.get(guard.key)] : []))
      .options(within(timeoutMs))
      .commit();
    if (res.succeeded) return { result: { ok: true, state: partitionImage(partition, replicas, next) }, revision: Number(res.header.revision) };
    const now = res.responses[0]?.response_range?.kvs[0];
    if (!now) return { result: { ok: false, reason: 'unknown' } };
    if (guard) {
      const g = res.responses[1]?.response_range?.kvs[0];
      const holds = g && (guard.target === 'Create' ? g.create_revision === guard.value : String(g.lease) === guard.value);
      if (!holds) return { result: { ok: false, reason: 'fenced' } };
    }
    cur = stored(now);
    fresh = true;
  }
  throw new Error(`partition ${topic}-${partition}: compare-and-swap still conflicting after ${MAX_ATTEMPTS} attempts`);
}

/** The replica set and reassignment of the next state: the change's when it names them, else as they are. */
function reassignmentFields(current: StoredPartition, change: { replicas?: readonly number[]; addingReplicas?: readonly number[]; removingReplicas?: readonly number[] }): Partial<StoredPartition> {
  if (change.replicas === undefined) {
    const { replicas, addingReplicas, removingReplicas } = current;
    return { ...(replicas ? { replicas } : {}), ...(addingReplicas ? { addingReplicas } : {}), ...(removingReplicas ? { removingReplicas } : {}) };
  }
  return {
    replicas: [...change.replicas],
    ...(change.addingReplicas?.length ? { addingReplicas: [...change.addingReplicas] } : {}),
    ...(change.removingReplicas?.length ? { removingReplicas: [...change.removingReplicas] } : {}),
  };
}

/** Kafka's AlterPartition check: a change names a leader among the ISR (or none), and only assigned replicas. */
export function changeError(replicas: readonly number[], change: { leader: number; isr: readonly number[] }): string | undefined {
  if (change.isr.length === 0) return 'an empty ISR';
  if (new Set(change.isr).size !== change.isr.length) return 'a replica twice in the ISR';
  const notReplica = change.isr.find((id) => !replicas.includes(id));
  if (notReplica !== undefined) return `broker ${notReplica} in the ISR is not a replica`;
  if (change.leader !== -1 && !change.isr.includes(change.leader)) return `leader ${change.leader} is not in the ISR`;
  return undefined;
}
