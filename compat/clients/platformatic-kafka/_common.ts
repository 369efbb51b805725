/** Shared by the @platformatic/kafka scenario scripts (files starting with _ are not scenarios). */
import { Admin, UnsupportedApiError } from '@platformatic/kafka';
import { check } from '../../lib/scenario.js';

export const CLIENT_ID = 'runnel-compat-platformatic';

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
