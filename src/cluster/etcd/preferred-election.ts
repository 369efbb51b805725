/**
 * The controller's decisions for ElectLeaders and for the automatic leader rebalance, as pure
 * functions (Kafka's ReplicationControlManager.electLeader and the ZooKeeper-era controller's
 * checkAndTriggerAutoLeaderRebalance):
 *
 * - preferred: the first replica of the assignment leads. ELECTION_NOT_NEEDED when it already
 *   does; PREFERRED_LEADER_NOT_AVAILABLE unless it is alive, not shutting down and in the ISR.
 *   The ISR is unchanged (the new leader is one of its members).
 * - unclean: only for a partition without a leader (ELECTION_NOT_NEEDED otherwise). An ISR member
 *   that is alive is taken first (then nothing is lost); else the first live replica of the
 *   assignment, which then forms the ISR alone (it may miss acknowledged records);
 *   ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is alive.
 * - rebalance: per broker, the partitions it is the preferred replica of; when more than
 *   `percentage` % of them are led by another broker, each of those whose preferred replica could
 *   lead (alive, in the ISR) gets a preferred election.
 */
import type { MetadataImage } from '../metadata-image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ClusterView, PartitionLeadership } from './election.js';

export const PREFERRED = 0;
export const UNCLEAN = 1;
export type ElectionType = typeof PREFERRED | typeof UNCLEAN;

/** Kafka's messages for these codes (Errors.java), which its controller answers with. */
export const ELECTION_MESSAGES: Readonly<Record<number, string>> = {
  [ErrorCode.ELECTION_NOT_NEEDED]: 'Leader election not needed for topic partition.',
  [ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]: 'The preferred leader was not available.',
  [ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE]: 'Eligible topic partition leaders are not available.',
};

export type ElectionOutcome = { error: 0; next: PartitionLeadership } | { error: number; next?: undefined };

const refused = (error: number): ElectionOutcome => ({ error });

export function electionOutcome(type: ElectionType, cur: PartitionLeadership, replicas: readonly number[], view: ClusterView): ElectionOutcome {
  const eligible = (id: number) => view.alive(id) && !view.shuttingDown(id);
  if (type === PREFERRED) {
    const preferred = replicas[0];
    if (preferred === undefined) return refused(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    if (cur.leader === preferred) return refused(ErrorCode.ELECTION_NOT_NEEDED);
    if (!eligible(preferred) || !cur.isr.includes(preferred)) return refused(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    return { error: 0, next: { leader: preferred, isr: cur.isr } };
  }
  if (cur.leader >= 0) return refused(ErrorCode.ELECTION_NOT_NEEDED);
  const clean = replicas.find((id) => cur.isr.includes(id) && eligible(id));
  if (clean !== undefined) return { error: 0, next: { leader: clean, isr: cur.isr.filter((id) => id === clean || eligible(id)) } };
  const any = replicas.find(eligible);
  if (any !== undefined) return { error: 0, next: { leader: any, isr: [any] } };
  return refused(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** The partitions the automatic rebalance moves back to their preferred replica now. */
export function rebalanceCandidates(image: MetadataImage, view: ClusterView, percentage: number): PartitionRef[] {
  const byPreferred = new Map<number, Array<PartitionRef & { leader: number; isr: readonly number[]; replicas: readonly number[] }>>();
  for (const t of image.topics()) {
    for (const p of t.partitionStates) {
      const preferred = p.replicas[0];
      if (preferred === undefined) continue;
      let list = byPreferred.get(preferred);
      if (!list) byPreferred.set(preferred, (list = []));
      list.push({ topic: t.name, partition: p.partition, leader: p.leader, isr: p.isr, replicas: p.replicas });
    }
  }
  const out: PartitionRef[] = [];
  for (const [broker, parts] of byPreferred) {
    const elsewhere = parts.filter((p) => p.leader !== broker);
    if (elsewhere.length / parts.length <= percentage / 100) continue;
    for (const p of elsewhere) if (electionOutcome(PREFERRED, p, p.replicas, view).error === 0) out.push({ topic: p.topic, partition: p.partition });
  }
  return out;
}
