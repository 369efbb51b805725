/** Kafka's rules for topic names (org.apache.kafka.common.internals.Topic). */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why a name is not a legal topic name, or undefined when it is. */
export function invalidTopicName(name: string): string | undefined {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL.test(name)) return `topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return undefined;
}

/** Names that collide in metric names: '.' and '_' are the same there, so Kafka refuses the second one. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
