/**
 * Cluster scenarios that need the group and transaction coordinators, which in a cluster move with
 * the leadership of __consumer_offsets / __transaction_state partitions (created with replication
 * factor 3 by the first FindCoordinator).
 */
import type { Scenario } from './scenarios.js';

export const clusterCoordinatorScenarios: readonly Scenario[] = [
  {
    name: 'cluster-groups',
    description:
      'a consumer group on a 6-partition replication-factor-3 topic in the cluster (coordinator: the leader of the ' +
      'group\'s __consumer_offsets partition, found through FindCoordinator from broker 1): two members split the ' +
      'partitions and read 300 messages once each, committing; a new member of the same group then starts from the ' +
      'committed offsets and reads only the 60 messages produced after',
    cluster: true,
    timeoutMs: 60_000,
  },
  {
    name: 'cluster-transactions',
    description:
      'a transactional producer in the cluster (transaction coordinator: the leader of the id\'s __transaction_state ' +
      'partition) writes to all 6 partitions of a replication-factor-3 topic, so to all three leaders, commits one ' +
      'transaction and aborts another; read_committed sees exactly the committed messages, read_uncommitted both ' +
      '(kcat and kafka-python 2.0.2 have no transactional producer: no script)',
    cluster: true,
    timeoutMs: 60_000,
  },
];
