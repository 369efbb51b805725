/**
 * One consume-transform-produce process for the @platformatic/kafka exactly-once scenario
 * (exactly-once.ts starts it as a child process; not a scenario itself):
 *
 *   node --import tsx _eos.ts <input> <output> <group> <transactional id> <total> <die after chunks>
 *
 * Consumes <input> in group <group> (mode 'committed', fallback 'earliest', READ_COMMITTED, no
 * autocommit) and runs one transaction per 10 messages: beginTransaction(), addConsumer() (
 * AddOffsetsToTxn), send `out-<value>` to <output>, addOffset() for each input (TxnOffsetCommit,
 * the offset after it), commit(). After <die after chunks> chunks (-1: never) it opens one more
 * transaction, sends that chunk's output, reports it and hangs, to be killed with SIGKILL.
 * Events on stdout as JSON lines: {"committed": next offset, "first"}, {"open": [offsets]},
 * {"done"}, {"error"}. Exits once it has committed input offset <total>.
 */
import { inspect } from 'node:util';
import { Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';

const [input, output, group, txnId, totalArg, dieArg] = process.argv.slice(2);
const total = Number(totalArg);
const dieAfter = Number(dieArg);
const emit = (e: object) => process.stdout.write(JSON.stringify(e) + '\n');
const CHUNK = 10;
const bootstrap = process.env.RUNNEL_BOOTSTRAP!;
const clientId = 'runnel-compat-platformatic-eos';

try {
  const producer = new Producer({
    clientId,
    bootstrapBrokers: [bootstrap],
    acks: ProduceAcks.ALL,
    idempotent: true,
    transactionalId: txnId,
    // @platformatic/kafka 1.35.0 sends InitProducerId (v5) with producerId 0 and epoch 0 unless
    // told otherwise, which says "I am producer 0 at epoch 0" (KIP-360): Kafka, and Runnel, answer
    // PRODUCER_FENCED once the transactional id belongs to another producer id, as it does when
    // this process takes over from a killed one. -1/-1 is what a new producer must send; see
    // compat/FINDINGS.md.
    producerId: -1n,
    producerEpoch: -1,
    serializers: stringSerializers,
    retries: 20,
    retryDelay: 250,
  });
  const consumer = new Consumer({
    clientId,
    bootstrapBrokers: [bootstrap],
    groupId: group,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    rebalanceTimeout: 10_000,
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({ topics: [input], mode: 'committed', fallbackMode: 'earliest' });
  let chunks = 0;
  let pending: Message<string, string, string, string>[] = [];
  const flushChunk = async () => {
    const chunk = pending;
    pending = [];
    const txn = await producer.beginTransaction();
    await txn.addConsumer(consumer);
    await txn.send({ messages: chunk.map((m) => ({ topic: output, key: String(m.offset), value: `out-${m.value}` })) });
    if (chunks === dieAfter) {
      emit({ open: chunk.map((m) => Number(m.offset)) });
      await new Promise(() => undefined); // killed here, with the transaction open
    }
    for (const m of chunk) await txn.addOffset(m);
    await txn.commit();
    chunks++;
    const next = Number(chunk[chunk.length - 1].offset) + 1;
    emit({ committed: next, first: Number(chunk[0].offset) });
    return next;
  };
  for await (const m of stream) {
    pending.push(m);
    if (pending.length === CHUNK || Number(m.offset) + 1 >= total) {
      if ((await flushChunk()) >= total) break;
    }
  }
  await stream.close();
  await consumer.close();
  await producer.close();
  emit({ done: true });
  process.exit(0);
} catch (err) {
  // An AggregateError of the client carries the broker's answer in `errors` / `response`.
  const detail = (err as { errors?: unknown[] }).errors?.map((e) => inspect(e, { depth: 4, breakLength: Infinity })).join('; ');
  emit({ error: String((err as Error).stack ?? err) + (detail ? `\n  errors: ${detail}` : '') });
  process.exit(1);
}
