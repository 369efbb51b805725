/**
 * Scenarios against a three-broker cluster (compat/cluster.ts): replication, leaders spread over
 * the brokers, acks=all. They need no group or transaction coordinator (reading back is
 * group-less wherever the client allows it); those are in scenarios-cluster-coordinators.ts.
 */
import type { Scenario } from './scenarios.js';

export const clusterScenarios: readonly Scenario[] = [
  {
    name: 'cluster-produce-consume',
    description:
      'three brokers, bootstrapping from one: Metadata lists all three with their endpoints; a 6-partition topic with ' +
      'replication factor 3 (the admin API, or auto-creation with default.replication.factor=3 for kcat) has three ' +
      'distinct replicas and a full ISR per partition, and every broker leads at least one partition; 600 keyed ' +
      'messages produced with acks=all (min.insync.replicas=2) by the client\'s own producer come back once each, ' +
      'in order per key, at the offsets the producer was told, read group-less from each partition\'s leader ' +
      '(kafkajs, which has no group-less consumer, reads through @platformatic/kafka\'s fetch here and with its own ' +
      'consumer in cluster-groups)',
    cluster: true,
  },
  {
    name: 'cluster-idempotent',
    description:
      'an idempotent producer (InitProducerId through the cluster, producer id and sequences per partition) sends 600 ' +
      'messages over the 6 partitions of a replication-factor-3 topic, so to all three leaders, with acks=all; read ' +
      'back, each is there exactly once and in order (kafka-python 2.0.2 has no idempotent producer: no script)',
    cluster: true,
  },
];
