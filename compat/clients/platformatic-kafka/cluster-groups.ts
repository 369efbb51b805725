/**
 * @platformatic/kafka in the three-broker cluster: a consumer group (Consumer#consume(), commits
 * each message; _groups.ts) on a 6-partition replication-factor-3 topic, bootstrapping from
 * broker 1. Two members split the partitions, then process 300 messages, each once, by the member
 * owning its partition; both leave; 60 more messages; a new member of the group starts from the
 * committed offsets and processes exactly those 60 (../../lib/group-handover.ts).
 */
import { ProduceAcks } from '@platformatic/kafka';
import { groupHandover, handoverMessages } from '../../lib/group-handover.js';
import { clusterEnv } from '../../lib/scenario.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';
import { producer, startMember, waitFor } from './_groups.js';

const { bootstrap, topic, brokers } = clusterEnv();
await createReplicatedTopic(bootstrap, topic, brokers);
const p = producer(bootstrap);
const group = `${topic}-group`;
await groupHandover({
  name: '@platformatic/kafka',
  partitions: PARTITIONS,
  start: (member) => startMember(bootstrap, member, group, topic),
  async produce(phase, perPartition) {
    const messages = handoverMessages(phase, perPartition, PARTITIONS).map((m) => ({ topic, ...m }));
    await p.send({ messages, acks: ProduceAcks.ALL });
    return messages.map((m) => m.value);
  },
  close: () => p.close(),
  waitFor,
});
