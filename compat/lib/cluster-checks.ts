/**
 * What the TypeScript clients' cluster scenarios check (the Python ones have the same in
 * cluster_checks.py): a replicated topic's layout as the client's metadata shows it, and records
 * read back against what was produced.
 */
import type { ClusterBroker } from './scenario.js';
import type { ReadRecord } from './read-back.js';

export interface PartitionLayout {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * What is wrong with a replication-factor-`rf` topic's partitions as a client's metadata shows
 * them: not `partitions` of them, replicas not `rf` distinct brokers of the cluster, an ISR short
 * of the replicas, a leader outside the ISR, or a broker leading none (leaders not spread).
 */
export function layoutProblems(layout: PartitionLayout[], brokers: ClusterBroker[], partitions: number, rf: number): string[] {
  const ids = brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const problems: string[] = [];
  if (layout.length !== partitions) problems.push(`expected ${partitions} partitions, got ${layout.length}`);
  for (const p of layout) {
    const replicas = [...new Set(p.replicas)];
    if (replicas.length !== rf || p.replicas.length !== rf || !replicas.every((r) => ids.includes(r)))
      problems.push(`partition ${p.partition}: replicas ${JSON.stringify(p.replicas)}, expected ${rf} distinct of ${JSON.stringify(ids)}`);
    if ([...p.isr].sort().join() !== [...p.replicas].sort().join()) problems.push(`partition ${p.partition}: ISR ${JSON.stringify(p.isr)} is not the replicas ${JSON.stringify(p.replicas)}`);
    if (!p.isr.includes(p.leader)) problems.push(`partition ${p.partition}: leader ${p.leader} not in the ISR ${JSON.stringify(p.isr)}`);
  }
  const leaders = new Set(layout.map((p) => p.leader));
  const idle = ids.filter((id) => !leaders.has(id));
  if (idle.length > 0) problems.push(`brokers ${JSON.stringify(idle)} lead none of the partitions (leaders ${JSON.stringify(layout.map((p) => p.leader))})`);
  return problems;
}

/**
 * Problems with `records` read back from a topic into which messages with values 0..n-1 were
 * produced, value i with key k<i % keys> (keys = 0: no key check): each value once, one partition
 * per key, in order per partition, and where the producer reported where value i went
 * (`acked`: value -> [partition, offset]), there.
 */
export function readBackProblems(records: ReadRecord[], n: number, keys: number, partitions: number, acked?: Map<number, [number, bigint]>): string[] {
  const problems: string[] = [];
  if (records.length !== n) problems.push(`expected ${n} records, got ${records.length}`);
  const seen = new Map<number, number>();
  const partitionOfKey = new Map<string, number>();
  const last = new Map<number, number>();
  for (const r of records) {
    const seq = Number(r.value?.toString());
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
    if (keys > 0) {
      const key = r.key?.toString() ?? '(null)';
      if (key !== `k${seq % keys}`) problems.push(`seq ${seq}: key ${key}, expected k${seq % keys}`);
      const p = partitionOfKey.get(key);
      if (p !== undefined && p !== r.partition) problems.push(`key ${key} on partitions ${p} and ${r.partition}`);
      partitionOfKey.set(key, r.partition);
    }
    if ((last.get(r.partition) ?? -1) >= seq) problems.push(`partition ${r.partition}: seq ${seq} after ${last.get(r.partition)}`);
    last.set(r.partition, seq);
    const at = acked?.get(seq);
    if (acked && (!at || at[0] !== r.partition || at[1] !== r.offset))
      problems.push(`seq ${seq}: read at ${r.partition}/${r.offset}, the producer was told ${at ? `${at[0]}/${at[1]}` : 'nothing'}`);
  }
  for (const [seq, count] of seen) if (count !== 1) problems.push(`seq ${seq} read ${count} times`);
  for (let i = 0; i < n; i++) if (!seen.has(i)) problems.push(`seq ${i} never read`);
  const used = new Set(records.map((r) => r.partition));
  if (used.size !== partitions) problems.push(`messages should spread over all ${partitions} partitions, got ${[...used].sort()}`);
  return problems;
}
