/**
 * @platformatic/kafka: negotiate ApiVersions, auto-create a topic through a metadata request,
 * list topics and check the broker the cluster reports.
 */
import { Admin } from '@platformatic/kafka';
import { check, scenarioEnv } from '../../lib/scenario.js';

const { bootstrap, host, port, nodeId, topic } = scenarioEnv();
const admin = new Admin({ clientId: 'runnel-compat-platformatic', bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200 });
try {
  const apis = await admin.listApis(); // ApiVersions
  check(apis.some((a) => a.apiKey === 3), 'ApiVersions does not list Metadata', apis);

  // The first answer for a new topic is LEADER_NOT_AVAILABLE; the client retries.
  const created = await admin.metadata({ topics: [topic], autocreateTopics: true });
  check(created.topics.has(topic), `metadata() did not return ${topic}`, created.topics);

  const topics = await admin.listTopics();
  check(topics.includes(topic), `listTopics() lacks ${topic}`, topics);

  const md = await admin.metadata({ topics: [topic], forceUpdate: true });
  const t = md.topics.get(topic);
  check(t?.partitionsCount === 1, `${topic} should have 1 partition`, t);
  check(t.partitions[0]?.leader === nodeId, `partition 0 should be led by node ${nodeId}`, t.partitions);
  check(md.brokers.size === 1, 'metadata should list exactly one broker', md.brokers);
  const b = md.brokers.get(nodeId);
  check(b?.host === host && b.port === port, `broker ${nodeId} should be ${host}:${port}`, md.brokers);
  check(md.controllerId === nodeId, `controller should be ${nodeId}`, md.controllerId);
} finally {
  await admin.close();
}
console.log(`@platformatic/kafka: ${topic} has 1 partition led by node ${nodeId} at ${host}:${port}`);
