/**
 * One consume-transform-produce process for the kafkajs exactly-once scenario (exactly-once.ts
 * starts it as a child process; not a scenario itself):
 *
 *   node --import tsx _eos.ts <input> <output> <group> <transactional id> <total> <die after chunks>
 *
 * Reads <input> in group <group> (read_committed, no auto-commit) and, in chunks of 10 messages,
 * runs one transaction per chunk: send `out-<value>` to <output>, sendOffsets() the chunk's next
 * input offset to the group, commit. After <die after chunks> chunks (-1: never) it opens one more
 * transaction, sends that chunk's output, reports it and hangs, to be killed with SIGKILL.
 * Events go to stdout as JSON lines: {"ready"}, {"committed": next offset}, {"open": [offsets]},
 * {"done"}, {"error"}. Exits once the group's position reaches <total>.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const [input, output, group, txnId, totalArg, dieArg] = process.argv.slice(2);
const total = Number(totalArg);
const dieAfter = Number(dieArg);
const emit = (e: object) => process.stdout.write(JSON.stringify(e) + '\n');
const CHUNK = 10;

const kafka = new Kafka({ clientId: `runnel-compat-kafkajs-eos`, brokers: [process.env.RUNNEL_BOOTSTRAP!], logLevel: logLevel.ERROR });
const producer = kafka.producer({
  transactionalId: txnId,
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
const consumer = kafka.consumer({
  groupId: group,
  readUncommitted: false,
  sessionTimeout: 6000,
  rebalanceTimeout: 10000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
});
try {
  await producer.connect(); // InitProducerId: fences an earlier producer with this transactional id
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  emit({ ready: true });
  let chunks = 0;
  let finished: () => void;
  const done = new Promise<void>((r) => (finished = r));
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += CHUNK) {
        const chunk = batch.messages.slice(i, i + CHUNK);
        const last = chunk[chunk.length - 1].offset;
        const txn = await producer.transaction();
        await txn.send({ topic: output, messages: chunk.map((m) => ({ key: m.offset, value: `out-${m.value}` })) });
        if (chunks === dieAfter) {
          emit({ open: chunk.map((m) => Number(m.offset)) });
          await new Promise(() => undefined); // killed here, with the transaction open
        }
        const next = String(Number(last) + 1);
        await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: next }] }] });
        await txn.commit();
        chunks++;
        resolveOffset(last);
        await heartbeat();
        emit({ committed: Number(next) });
        if (Number(next) >= total) finished();
      }
    },
  });
  await done;
  await consumer.disconnect();
  await producer.disconnect();
  emit({ done: true });
} catch (err) {
  emit({ error: String((err as Error).stack ?? err) });
  process.exit(1);
}
