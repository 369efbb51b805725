/**
 * Authorized-operations bit sets (Kafka's AclOperation codes). Runnel has no authorizer yet, so a
 * client that asks is told every operation on the resource is allowed, as Kafka answers without one.
 */
const Op = { READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12 };
const bits = (...ops: number[]): number => ops.reduce((s, o) => s | (1 << o), 0);

/** Sent when the client did not ask for authorized operations (Integer.MIN_VALUE). */
export const NOT_REQUESTED = -2147483648;
export const TOPIC_OPERATIONS = bits(Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS);
export const CLUSTER_OPERATIONS = bits(Op.CREATE, Op.ALTER, Op.DESCRIBE, Op.CLUSTER_ACTION, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS, Op.IDEMPOTENT_WRITE);
export const GROUP_OPERATIONS = bits(Op.READ, Op.DELETE, Op.DESCRIBE);
