/** Shared by the kafkajs cluster scenarios (files starting with _ are not scenarios). */
import type { Admin } from 'kafkajs';
import { layoutProblems } from '../../lib/cluster-checks.js';
import { report } from '../../lib/read-back.js';
import type { ClusterBroker } from '../../lib/scenario.js';

export const PARTITIONS = 6;

/**
 * Creates the topic with replication factor 3 (through broker 1, the only bootstrap broker) and
 * waits (20 s) until describeCluster() lists every broker at its address and the topic's layout
 * is right (layoutProblems: full ISRs, every broker leading a partition). Returns the leaders.
 */
export async function createReplicatedTopic(admin: Admin, topic: string, brokers: ClusterBroker[], partitions = PARTITIONS): Promise<number[]> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }], waitForLeaders: true });
  if (!created) throw new Error(`createTopics(${topic}) answered false: the topic existed`);
  const want = JSON.stringify([...brokers].sort((a, b) => a.nodeId - b.nodeId));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const problems: string[] = [];
    const cluster = await admin.describeCluster();
    const seen = JSON.stringify(cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })).sort((a, b) => a.nodeId - b.nodeId));
    if (seen !== want) problems.push(`describeCluster brokers ${seen}, expected ${want}`);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const layout = md.topics[0].partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
    problems.push(...layoutProblems(layout, brokers, partitions, 3));
    if (problems.length === 0) return layout.sort((a, b) => a.partition - b.partition).map((p) => p.leader);
    if (Date.now() > deadline) report(`${topic} layout after 20 s`, problems);
    await new Promise((r) => setTimeout(r, 200));
  }
}
