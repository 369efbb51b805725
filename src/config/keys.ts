/**
 * The server.properties keys Runnel reads, with Kafka's names, types and defaults. Keys that Kafka
 * has but that mean nothing on a single Runnel node (threads, controller quorum, replication
 * factors of internal topics) are accepted and reported as ignored, so that a stock Kafka
 * server.properties starts Runnel without warnings.
 */

export type KeyType = 'int' | 'long' | 'double' | 'bool' | 'string' | 'list' | 'enum';

export interface KeyDef {
  type: KeyType;
  /** Kafka's default, as text; undefined when the key has none. */
  default?: string;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const HOUR = 3_600_000;

/** The range broker-wide that a consumer-protocol group's own consumer.<setting> (a GROUP config) must lie in. */
function consumerGroupBounds(setting: string, min: string, max: string): Record<string, KeyDef> {
  const doc = (bound: string): string => `${bound} consumer.${setting} a consumer-protocol group may be given (GROUP configs).`;
  return {
    [`group.consumer.min.${setting}`]: { type: 'int', default: min, min: 1, doc: doc('Smallest') },
    [`group.consumer.max.${setting}`]: { type: 'int', default: max, min: 1, doc: doc('Largest') },
  };
}

export const KEYS: Record<string, KeyDef> = {
  'node.id': { type: 'int', default: '1', min: 0, doc: 'Id of this broker in Metadata responses (broker.id is an alias).' },
  'broker.id': { type: 'int', min: -1, doc: 'Alias of node.id (Kafka before KRaft).' },
  listeners: { type: 'list', default: 'PLAINTEXT://:9092', doc: 'Where to listen: NAME://host:port for each listener (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, or a name in listener.security.protocol.map). An empty host listens on all interfaces.' },
  'advertised.listeners': { type: 'list', doc: 'What clients are told to connect to, per listener name. Defaults to the listeners, with localhost for an empty or wildcard host.' },
  'log.dirs': { type: 'list', doc: 'Data directories (log.dir is an alias). Default ./data.' },
  'log.dir': { type: 'string', default: './data', doc: 'Data directory when log.dirs is not set.' },
  'num.partitions': { type: 'int', default: '1', min: 1, doc: 'Partitions of an auto-created topic, or of CreateTopics with -1.' },
  'default.replication.factor': { type: 'int', default: '1', min: 1, doc: 'Replication factor of auto-created topics (1 on a single node).' },
  'auto.create.topics.enable': { type: 'bool', default: 'true', doc: 'Create a topic when a client asks for metadata of an unknown one.' },
  'delete.topic.enable': { type: 'bool', default: 'true', doc: 'Allow DeleteTopics.' },
  'log.retention.hours': { type: 'int', default: '168', doc: 'How long to keep log segments (lowest priority of the three).' },
  'log.retention.minutes': { type: 'int', doc: 'Overrides log.retention.hours.' },
  'log.retention.ms': { type: 'long', doc: 'Overrides log.retention.minutes; -1 keeps data forever.' },
  'log.retention.bytes': { type: 'long', default: '-1', doc: 'Size limit per partition; -1 for none.' },
  'log.retention.check.interval.ms': { type: 'long', default: '300000', min: 1, doc: 'How often retention runs.' },
  'log.segment.bytes': { type: 'int', default: String(1024 ** 3), min: 14, doc: 'Size at which a segment is rolled.' },
  'log.roll.hours': { type: 'int', default: '168', min: 1, doc: 'Age at which a segment is rolled.' },
  'log.roll.ms': { type: 'long', doc: 'Overrides log.roll.hours.' },
  'log.index.interval.bytes': { type: 'int', default: '4096', min: 0, doc: 'Bytes between two offset index entries.' },
  'log.flush.interval.messages': { type: 'long', default: String(2n ** 63n - 1n), min: 1, doc: 'Messages appended before an fsync (default: leave it to the OS).' },
  'log.flush.interval.ms': { type: 'long', doc: 'Milliseconds between fsyncs (default: leave it to the OS).' },
  'log.flush.scheduler.interval.ms': { type: 'long', default: String(2n ** 63n - 1n), doc: 'How often the flusher checks log.flush.interval.ms.' },
  'log.cleanup.policy': { type: 'list', default: 'delete', doc: 'delete, compact, or both.' },
  'log.cleaner.delete.retention.ms': { type: 'long', default: String(24 * HOUR), doc: 'How long tombstones stay in a compacted topic.' },
  'log.cleaner.backoff.ms': { type: 'long', default: '15000', min: 0, doc: 'Pause between two compaction passes.' },
  'log.cleaner.dedupe.buffer.size': { type: 'long', default: String(128 * 1024 * 1024), min: 1024, doc: 'Bytes of the compaction offset map (24 bytes a key: MD5 of the key and its offset). A log whose dirty keys do not fit is cleaned in several passes. Allocated as needed, up to this size.' },
  'log.cleaner.io.buffer.load.factor': { type: 'double', default: '0.9', min: 0.01, max: 1, doc: 'How full the compaction offset map may get before a pass stops mapping.' },
  'log.message.timestamp.type': { type: 'enum', default: 'CreateTime', values: ['CreateTime', 'LogAppendTime'], doc: 'Timestamp stored with records.' },
  'log.message.timestamp.before.max.ms': { type: 'long', default: String(2n ** 63n - 1n), min: 0, doc: 'How far in the past a CreateTime timestamp may be.' },
  'log.message.timestamp.after.max.ms': { type: 'long', default: String(HOUR), min: 0, doc: 'How far in the future a CreateTime timestamp may be.' },
  'compression.type': { type: 'enum', default: 'producer', values: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'], doc: 'Codec stored; producer keeps what the producer sent.' },
  'message.max.bytes': { type: 'int', default: '1048588', min: 0, doc: 'Largest record batch accepted.' },
  'socket.request.max.bytes': { type: 'int', default: String(100 * 1024 * 1024), min: 1, doc: 'Largest request frame; a larger one closes the connection.' },
  'group.initial.rebalance.delay.ms': { type: 'int', default: '0', min: 0, doc: 'Wait for more members before the first rebalance of an empty group. Runnel defaults to 0 for development (Kafka: 3000, and 0 in its sample file).' },
  'group.min.session.timeout.ms': { type: 'int', default: '6000', doc: 'Smallest session timeout a member may ask for.' },
  'group.max.session.timeout.ms': { type: 'int', default: '1800000', doc: 'Largest session timeout a member may ask for.' },
  'group.max.size': { type: 'int', default: '2147483647', min: 1, doc: 'Members per group.' },
  'group.consumer.heartbeat.interval.ms': { type: 'int', default: '5000', min: 1, doc: 'Heartbeat interval told to consumer-protocol (KIP-848) members.' },
  'group.consumer.session.timeout.ms': { type: 'int', default: '45000', min: 1, doc: 'A consumer-protocol member without a heartbeat for this long is removed.' },
  ...consumerGroupBounds('session.timeout.ms', '45000', '60000'),
  ...consumerGroupBounds('heartbeat.interval.ms', '5000', '15000'),
  'group.consumer.assignors': { type: 'list', default: 'uniform,range', doc: 'Server-side assignors of consumer-protocol groups (names or Kafka class names); the first is the default.' },
  'group.consumer.max.size': { type: 'int', default: '2147483647', min: 1, doc: 'Members per consumer-protocol group.' },
  'group.consumer.migration.policy': { type: 'enum', default: 'bidirectional', values: ['bidirectional', 'upgrade', 'downgrade', 'disabled'], doc: 'Online conversion of groups in use: upgrade turns a classic group (protocol type consumer) into a consumer group when a consumer-protocol member joins; downgrade turns a consumer group back into a classic group when its last consumer-protocol member leaves; empty groups always convert.' },
  'offsets.retention.check.interval.ms': { type: 'long', default: '600000', min: 1, doc: 'How often expired committed offsets are removed.' },
  'offsets.topic.num.partitions': { type: 'int', default: '1', min: 1, doc: 'Partitions of __consumer_offsets (Kafka: 50; one is plenty for a single node).' },
  'offset.metadata.max.bytes': { type: 'int', default: '4096', min: 0, doc: 'Largest metadata string stored with a committed offset.' },
  'offsets.retention.minutes': { type: 'int', default: '10080', min: 1, doc: 'How long committed offsets of an empty group are kept.' },
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': { type: 'int', default: '10000', min: 1, doc: 'How often open transactions past their timeout are aborted.' },
  'transaction.state.log.num.partitions': { type: 'int', default: '1', min: 1, doc: 'Partitions of __transaction_state (Kafka: 50).' },
  'transaction.max.timeout.ms': { type: 'int', default: '900000', min: 1, doc: 'Largest transaction timeout a producer may ask for.' },
  'transactional.id.expiration.ms': { type: 'int', default: '604800000', min: 1, doc: 'Idle time before a transactional id is forgotten.' },
  'producer.id.expiration.ms': { type: 'int', default: '86400000', min: 1, doc: 'Idle time before an idempotent producer’s state is dropped.' },
  'max.incremental.fetch.session.cache.slots': { type: 'int', default: '1000', min: 0, doc: 'Incremental fetch sessions kept at most (KIP-227).' },
  'fetch.max.bytes': { type: 'int', default: String(55 * 1024 * 1024), min: 1024, doc: 'Cap on the bytes of one Fetch response.' },
  'runnel.fsync.on.ack': { type: 'bool', default: 'false', doc: 'Runnel: fsync appended data before acknowledging acks=1/-1 produce requests.' },
  'runnel.max.open.files': { type: 'int', default: '1000', min: 64, doc: 'Runnel: open segment files kept at most; idle ones are closed first.' },
  'runnel.metrics.port': { type: 'int', default: '9404', min: 0, max: 65535, doc: 'Runnel: HTTP port of /metrics (Prometheus) and /health for `runnel start`; an embedded broker serves them only when this key is set.' },
  'runnel.transaction.version': { type: 'int', default: '2', min: 0, max: 2, doc: 'Runnel: the finalized transaction.version feature advertised in ApiVersions (Kafka sets it with kafka-storage format --feature or kafka-features.sh; 4.x clusters default to 2). At 2, Kafka 4 clients use transactions version 2 (KIP-890); below it they use version 1.' },
  'runnel.shutdown.timeout.ms': { type: 'int', default: '10000', min: 0, doc: 'Runnel: how long a graceful shutdown waits for in-flight requests.' },
  // ---- Cluster (replication over etcd): these apply when runnel.etcd.endpoints is set.
  'runnel.etcd.endpoints': { type: 'list', doc: 'Runnel: etcd v3 endpoints (host:port, comma-separated) holding the cluster\'s control state. Unset: a single node, as without a cluster.' },
  'runnel.etcd.prefix': { type: 'string', default: '/runnel', doc: 'Runnel: key prefix of this cluster in etcd, so that several clusters can share one etcd.' },
  'broker.rack': { type: 'string', doc: 'Rack of this broker; replica placement spreads each partition over racks.' },
  'replica.selector.class': { type: 'enum', values: ['org.apache.kafka.common.replica.RackAwareReplicaSelector'], doc: 'Fetch from follower (KIP-392): with Kafka\'s RackAwareReplicaSelector, a consumer that sends client.rack is pointed at an in-sync follower in its rack (preferred read replica). Unset: consumers read from the leader.' },
  'broker.session.timeout.ms': { type: 'int', default: '9000', min: 1000, doc: 'A broker whose etcd lease is not renewed for this long is dead to the cluster (its lease TTL).' },
  'broker.heartbeat.interval.ms': { type: 'int', default: '2000', min: 100, doc: 'How often a broker renews its etcd lease.' },
  'min.insync.replicas': { type: 'int', default: '1', min: 1, doc: 'In-sync replicas an acks=all write needs (NOT_ENOUGH_REPLICAS below it); topic config min.insync.replicas overrides.' },
  'unclean.leader.election.enable': { type: 'bool', default: 'false', doc: 'Elect an out-of-sync replica when no in-sync replica is alive (may lose acknowledged data).' },
  'replica.lag.time.max.ms': { type: 'long', default: '30000', min: 1, doc: 'A follower that has not caught up with the leader for this long leaves the ISR.' },
  'replica.fetch.max.bytes': { type: 'int', default: '1048576', min: 0, doc: 'Bytes a follower asks for per partition in one fetch.' },
  'replica.fetch.response.max.bytes': { type: 'int', default: '10485760', min: 0, doc: 'Bytes a follower asks for per fetch.' },
  'replica.fetch.wait.max.ms': { type: 'int', default: '500', min: 0, doc: 'How long a follower\'s fetch waits at the leader for new data.' },
  'replica.fetch.backoff.ms': { type: 'int', default: '1000', min: 0, doc: 'Pause of a follower after a failed fetch.' },
  'leader.replication.throttled.rate': { type: 'long', default: '9223372036854775807', min: 0, doc: 'Bytes/s a leader serves, over all its partitions named in a topic\'s leader.replication.throttled.replicas, to followers outside the ISR (dynamic; set by runnel reassign-partitions --throttle).' },
  'follower.replication.throttled.rate': { type: 'long', default: '9223372036854775807', min: 0, doc: 'Bytes/s a follower fetches, over all its partitions named in a topic\'s follower.replication.throttled.replicas, while not caught up (dynamic).' },
  'replication.quota.window.num': { type: 'int', default: '11', min: 1, doc: 'Sample windows the replication throttle measures its rate over.' },
  'replication.quota.window.size.seconds': { type: 'int', default: '1', min: 1, doc: 'Length of one sample window of the replication throttle.' },
  'num.replica.fetchers': { type: 'int', default: '1', min: 1, doc: 'Fetch connections a follower opens per leader broker.' },
  'offsets.topic.replication.factor': { type: 'int', default: '3', min: 1, doc: 'Replication factor of __consumer_offsets (in a cluster; a single node uses 1).' },
  'transaction.state.log.replication.factor': { type: 'int', default: '3', min: 1, doc: 'Replication factor of __transaction_state (in a cluster; a single node uses 1).' },
  'transaction.state.log.min.isr': { type: 'int', default: '2', min: 1, doc: 'min.insync.replicas of __transaction_state (in a cluster).' },
  'auto.leader.rebalance.enable': { type: 'bool', default: 'true', doc: 'The controller moves leadership back to preferred replicas (cluster only; see leader.imbalance.*).' },
  'leader.imbalance.check.interval.seconds': { type: 'long', default: '300', min: 1, doc: 'How often the controller checks the leader imbalance.' },
  'leader.imbalance.per.broker.percentage': { type: 'int', default: '10', min: 0, max: 100, doc: 'When more than this percentage of the partitions a broker is the preferred replica of are led by others, they move back to it.' },
  'controlled.shutdown.enable': { type: 'bool', default: 'true', doc: 'On SIGTERM, move leadership off the broker before it stops.' },
  'inter.broker.listener.name': { type: 'string', doc: 'Listener brokers use to reach each other (default: the listener named by security.inter.broker.protocol, else the first listener).' },
  'security.inter.broker.protocol': { type: 'string', doc: 'Security protocol (and so listener name) brokers use to reach each other when inter.broker.listener.name is not set.' },
  'listener.security.protocol.map': { type: 'string', default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', doc: 'Security protocol of each listener name (NAME:PROTOCOL,...).' },
  'controller.listener.names': { type: 'list', doc: "Kafka's KRaft controller listeners: Runnel keeps its control state in etcd and does not open them." },
  'quota.window.num': { type: 'int', default: '11', min: 1, doc: 'Samples kept to measure a client quota (the rate spans this many windows).' },
  'quota.window.size.seconds': { type: 'int', default: '1', min: 1, doc: 'Length of one client quota sample.' },
};

/** Kafka keys that have no effect on a single Runnel node; accepted so that Kafka's files work as they are. */
export const IGNORED_KEYS = new Set([
  'process.roles',
  'controller.quorum.voters',
  'controller.quorum.bootstrap.servers',
  'num.network.threads',
  'num.io.threads',
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'num.recovery.threads.per.data.dir',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr',
  'zookeeper.connect',
  'zookeeper.connection.timeout.ms',
  'metadata.log.dir',
]);
