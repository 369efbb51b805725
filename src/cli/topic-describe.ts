/**
 * What `runnel topics --describe` prints, as Kafka's TopicCommand prints it: a topic line, then one
 * line per partition; with any of the partition filters (--under-replicated-partitions and the
 * others) only the partitions that match one of them and no topic lines. Kept free of I/O so that
 * the filters' semantics are tested on their own.
 *
 * Kafka's semantics, partition by partition:
 *   under-replicated   fewer in-sync replicas than replicas
 *   under-min-isr      no leader, or fewer in-sync replicas than the topic's min.insync.replicas
 *   at-min-isr         exactly min.insync.replicas in-sync replicas
 *   unavailable        no leader, or a leader that is not a live broker
 * "No leader" is a leader id the Metadata response does not list among its (live) brokers, as
 * Kafka's admin client sees it. Runnel's client reads partitions with Metadata, which has no
 * eligible leader replicas (KIP-966): Elr and LastKnownElr print as N/A, as kafka-topics.sh does
 * when it describes through Metadata.
 */

export interface DescribeFilters {
  underReplicated: boolean;
  underMinIsr: boolean;
  atMinIsr: boolean;
  unavailable: boolean;
}

export interface DescribedPartition {
  partition: number;
  /** undefined: no leader (none elected, or not a live broker). */
  leader: number | undefined;
  replicas: number[];
  isr: number[];
}

export interface DescribedTopic {
  name: string;
  /** Kafka's base64 form; empty for the zero id (not printed, as Kafka does). */
  topicId: string;
  /** Non-default configs, name order. */
  overrides: Array<[string, string]>;
  /** The topic's effective min.insync.replicas. */
  minIsr: number;
  partitions: DescribedPartition[];
}

export const NO_FILTERS: DescribeFilters = { underReplicated: false, underMinIsr: false, atMinIsr: false, unavailable: false };

function anyFilter(f: DescribeFilters): boolean {
  return f.underReplicated || f.underMinIsr || f.atMinIsr || f.unavailable;
}

/** Whether a partition line is printed under the filters (all of them when there are none). */
export function partitionMatches(t: DescribedTopic, p: DescribedPartition, f: DescribeFilters, liveBrokers: ReadonlySet<number>): boolean {
  if (!anyFilter(f)) return true;
  const hasLeader = p.leader !== undefined;
  return (
    (f.underReplicated && p.replicas.length > p.isr.length) ||
    (f.unavailable && (!hasLeader || !liveBrokers.has(p.leader!))) ||
    (f.underMinIsr && (!hasLeader || p.isr.length < t.minIsr)) ||
    (f.atMinIsr && p.isr.length === t.minIsr)
  );
}

export function describeText(topics: DescribedTopic[], f: DescribeFilters, liveBrokers: ReadonlySet<number>): string {
  let out = '';
  for (const t of topics) {
    if (t.partitions.length === 0) continue;
    if (!anyFilter(f)) {
      const id = t.topicId ? `\tTopicId: ${t.topicId}` : '';
      const configs = t.overrides.map(([k, v]) => `${k}=${v}`).join(',');
      out += `Topic: ${t.name}${id}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.partitions[0].replicas.length}\tConfigs: ${configs}\n`;
    }
    for (const p of t.partitions) {
      if (!partitionMatches(t, p, f, liveBrokers)) continue;
      out += `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader ?? 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: N/A\tLastKnownElr: N/A\n`;
    }
  }
  return out;
}
