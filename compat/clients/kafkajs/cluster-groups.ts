/**
 * kafkajs in the three-broker cluster: a consumer group (commits each message; _groups.ts) on a
 * 6-partition replication-factor-3 topic, bootstrapping from broker 1. Two members split the
 * partitions, then process 300 messages, each once, by the member owning its partition; both
 * leave; 60 more messages; a new member of the group starts from the committed offsets and
 * processes exactly those 60 (../../lib/group-handover.ts). (kafkajs' consumer, which
 * cluster-produce-consume cannot use.)
 */
import { Partitioners } from 'kafkajs';
import { groupHandover, handoverMessages } from '../../lib/group-handover.js';
import { check, clusterEnv } from '../../lib/scenario.js';
import { PARTITIONS, createReplicatedTopic } from './_cluster.js';
import { groupClient, startMember, waitFor } from './_groups.js';

const { bootstrap, topic, brokers } = clusterEnv();
const kafka = groupClient(bootstrap);
const admin = kafka.admin();
await admin.connect();
await createReplicatedTopic(admin, topic, brokers);
await admin.disconnect();
const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const group = `${topic}-group`;
await groupHandover({
  name: 'kafkajs',
  partitions: PARTITIONS,
  start: (member) => startMember(kafka, member, group, topic),
  async produce(phase, perPartition) {
    const messages = handoverMessages(phase, perPartition, PARTITIONS);
    const res = await producer.send({ topic, acks: -1, messages });
    check(res.every((r) => r.errorCode === 0), `producing ${phase}`, res);
    return messages.map((m) => m.value);
  },
  close: () => producer.disconnect(),
  waitFor,
});
