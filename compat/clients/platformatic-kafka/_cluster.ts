/** Shared by the @platformatic/kafka cluster scenarios (files starting with _ are not scenarios). */
import { Admin } from '@platformatic/kafka';
import { layoutProblems } from '../../lib/cluster-checks.js';
import { report } from '../../lib/read-back.js';
import type { ClusterBroker } from '../../lib/scenario.js';
import { CLIENT_ID } from './_common.js';

export const PARTITIONS = 6;

/**
 * Creates the topic with replication factor 3 (through broker 1, the only bootstrap broker) and
 * waits (20 s) until the client's metadata lists every broker at its address and the topic's
 * layout is right (layoutProblems: full ISRs, every broker leading a partition). Returns the leaders.
 */
export async function createReplicatedTopic(bootstrap: string, topic: string, brokers: ClusterBroker[], partitions = PARTITIONS): Promise<number[]> {
  const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 3 });
    const want = JSON.stringify([...brokers].sort((a, b) => a.nodeId - b.nodeId));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const md = await admin.metadata({ topics: [topic], forceUpdate: true });
      const seen = JSON.stringify([...md.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })).sort((a, b) => a.nodeId - b.nodeId));
      const problems = seen === want ? [] : [`metadata brokers ${seen}, expected ${want}`];
      const t = md.topics.get(topic);
      const layout = (t?.partitions ?? []).map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas, isr: p.isr }));
      problems.push(...layoutProblems(layout, brokers, partitions, 3));
      if (problems.length === 0) return layout.map((p) => p.leader);
      if (Date.now() > deadline) report(`${topic} layout after 20 s`, problems);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.close();
  }
}
