/**
 * The controller's decision for one partition given who is alive (Kafka's ZooKeeper-era
 * controller: OfflinePartitionLeaderElectionStrategy, ControlledShutdownLeaderElectionStrategy and
 * the removal of failed replicas from ISRs), as a pure function so that it can be tested alone.
 *
 * - A leader that is alive and not shutting down stays; followers that are dead or shutting down
 *   leave the ISR (the leader keeps it non-empty).
 * - Otherwise the new leader is the first replica, in assignment order, that is in the ISR, alive
 *   and not shutting down (else one alive but shutting down: better than offline, and clean); the
 *   ISR keeps its live members.
 * - No ISR member alive: with unclean election, the first live replica leads alone (its log may
 *   miss acknowledged records); without, the partition is offline (leader -1) and the ISR keeps
 *   what it had, so that any of those replicas coming back leads it cleanly. (Kafka removes dead
 *   brokers one at a time and so keeps only the last one; keeping all that died together is the
 *   same guarantee: each of them had every committed record.)
 * - A leader that is shutting down and has no other ISR member to hand over to keeps leading.
 */
export interface PartitionLeadership {
  leader: number;
  isr: readonly number[];
}

export interface ClusterView {
  alive(id: number): boolean;
  shuttingDown(id: number): boolean;
}

/** The partition's next leader and ISR, or undefined when nothing should change. */
export function electLeader(cur: PartitionLeadership, replicas: readonly number[], view: ClusterView, unclean: boolean): PartitionLeadership | undefined {
  const eligible = (id: number) => view.alive(id) && !view.shuttingDown(id);
  const next = decide(cur, replicas, view, eligible, unclean);
  return next.leader === cur.leader && next.isr.join() === cur.isr.join() ? undefined : next;
}

function decide(cur: PartitionLeadership, replicas: readonly number[], view: ClusterView, eligible: (id: number) => boolean, unclean: boolean): PartitionLeadership {
  if (cur.leader !== -1 && eligible(cur.leader)) return { leader: cur.leader, isr: cur.isr.filter((id) => id === cur.leader || eligible(id)) };
  const inIsr = replicas.filter((id) => cur.isr.includes(id));
  const stays = cur.leader !== -1 && view.alive(cur.leader) ? cur.leader : undefined;
  const leader = inIsr.find(eligible) ?? stays ?? inIsr.find((id) => view.alive(id));
  if (leader !== undefined) {
    // A shutting-down leader that no one can take over from keeps leading (with its live ISR).
    return { leader, isr: cur.isr.filter((id) => id === leader || eligible(id)) };
  }
  if (unclean) {
    const any = replicas.find(eligible) ?? replicas.find((id) => view.alive(id));
    if (any !== undefined) return { leader: any, isr: [any] };
  }
  return { leader: -1, isr: cur.isr };
}
