/** Shared by the @platformatic/kafka scenario scripts (files starting with _ are not scenarios). */
import { Admin, Consumer, FetchIsolationLevels, ProduceAcks, Producer, UnsupportedApiError, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { check } from '../../lib/scenario.js';

export const CLIENT_ID = 'runnel-compat-platformatic';

/** An acks=all producer of strings that retries 5 times, 200 ms apart; idempotent or not, transactional with a transactionalId. */
export function stringProducer(bootstrap: string, options: { idempotent: boolean; transactionalId?: string }): Producer<string, string, string, string> {
  return new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], acks: ProduceAcks.ALL, serializers: stringSerializers, retries: 5, retryDelay: 200, ...options });
}

/**
 * Creates the topic with Admin#createTopics(); where the broker does not serve CreateTopics
 * (UnsupportedApiError), asks for its metadata with autocreateTopics instead, which creates it
 * with the broker's num.partitions. Waits until it has `partitions` partitions with a leader and
 * returns how it was created.
 */
export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<string> {
  const admin = new Admin({ clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
  try {
    let how = 'CreateTopics';
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    } catch (err) {
      if (!(err instanceof UnsupportedApiError)) throw err;
      how = 'auto-creation (the broker does not serve CreateTopics)';
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const md = await admin.metadata({ topics: [topic], autocreateTopics: true, forceUpdate: true });
      const t = md.topics.get(topic);
      if (t?.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0)) return how;
      check(Date.now() < deadline, `${topic} should have ${partitions} partition(s) after ${how}`, t);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.close();
  }
}

/**
 * Everything a consumer in a group of its own (named after the topic and isolation level) reads
 * from the beginning of `topic`: `expected` messages, then 500 ms of quiet; fails after 15 s.
 */
export async function readAll(bootstrap: string, topic: string, isolation: 'READ_COMMITTED' | 'READ_UNCOMMITTED', expected: number): Promise<Array<{ partition: number; value: string }>> {
  const consumer = new Consumer({
    clientId: CLIENT_ID,
    bootstrapBrokers: [bootstrap],
    groupId: `${topic}-${isolation}`,
    isolationLevel: FetchIsolationLevels[isolation],
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
  });
  const out: Array<{ partition: number; value: string }> = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    const done = (async () => {
      for await (const m of stream) out.push({ partition: m.partition, value: String(m.value) });
    })();
    const deadline = Date.now() + 15_000;
    let [last, since] = [-1, Date.now()];
    for (;;) {
      if (out.length !== last) [last, since] = [out.length, Date.now()];
      if (out.length >= expected && Date.now() - since >= 500) break;
      check(Date.now() < deadline, `${isolation}: ${out.length} of ${expected} messages of ${topic} in 15 s`, out);
      await new Promise((r) => setTimeout(r, 50));
    }
    await stream.close();
    await done;
    return out;
  } finally {
    await consumer.close();
  }
}
