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
  /** A secret (Kafka's PASSWORD type): DescribeConfigs shows no value and isSensitive. */
  sensitive?: boolean;
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
  'runnel.console.enable': { type: 'bool', default: 'true', doc: 'Runnel: serve the web console (`/` and `/api/`) with `runnel start`, on runnel.console.port or else on the HTTP port of /metrics (runnel.metrics.port); an embedded broker serves it only when startBroker({ console: true }) asks.' },
  'runnel.console.port': { type: 'int', min: 0, max: 65535, doc: 'Runnel: a port of its own for the web console; unset: it shares runnel.metrics.port.' },
  'runnel.console.read.only': { type: 'bool', default: 'false', doc: 'Runnel: the web console shows everything but changes nothing (no topic, record, config or group changes).' },
  'runnel.console.lag.sample.ms': { type: 'int', default: '5000', min: 100, doc: 'Runnel: how often the web console samples the lag of every consumer group for its lag-over-time charts.' },
  'runnel.console.history.minutes': { type: 'int', default: '60', min: 1, max: 1440, doc: 'Runnel: how much lag history the web console keeps in memory per group (older samples are dropped).' },
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
  // ---- TLS (src/security/tls/): every ssl.* key may be given for one listener as listener.name.<listener>.ssl.*.
  'ssl.keystore.type': { type: 'string', default: 'JKS', doc: 'PEM or PKCS12. JKS (Kafka\'s default) reads a PKCS12 file, as Java does; a real JKS keystore is refused: convert it to PKCS12.' },
  'ssl.keystore.location': { type: 'string', doc: 'Keystore file: PKCS12, or PEM holding the private key and the certificate chain.' },
  'ssl.keystore.password': { type: 'string', sensitive: true, doc: 'Password of a PKCS12 keystore (not set for PEM).' },
  'ssl.keystore.key': { type: 'string', sensitive: true, doc: 'The private key inline (PEM, PKCS#8, possibly encrypted), with ssl.keystore.type=PEM.' },
  'ssl.keystore.certificate.chain': { type: 'string', doc: 'The certificate chain inline (PEM), with ssl.keystore.type=PEM.' },
  'ssl.key.password': { type: 'string', sensitive: true, doc: 'Password of an encrypted PEM key (a PKCS12 key must use the store password).' },
  'ssl.truststore.type': { type: 'string', default: 'JKS', doc: 'PEM or PKCS12 (JKS as for the keystore). Without a truststore, the system\'s CAs.' },
  'ssl.truststore.location': { type: 'string', doc: 'Truststore file: PEM certificates, or PKCS12 (read with the openssl command).' },
  'ssl.truststore.password': { type: 'string', sensitive: true, doc: 'Password of a PKCS12 truststore.' },
  'ssl.truststore.certificates': { type: 'string', doc: 'Trusted certificates inline (PEM), with ssl.truststore.type=PEM.' },
  'ssl.client.auth': { type: 'enum', default: 'none', values: ['none', 'requested', 'required'], doc: 'Client certificates on SSL listeners: required (refused without a trusted one), requested (optional; an untrusted one is refused), none. On SASL_SSL only the listener-prefixed key applies (KIP-684).' },
  'ssl.enabled.protocols': { type: 'list', default: 'TLSv1.2,TLSv1.3', doc: 'TLS versions accepted (Node takes a range: from the lowest to the highest listed).' },
  'ssl.cipher.suites': { type: 'list', doc: 'Cipher suites by their IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, ...). Default: Node\'s.' },
  'ssl.protocol': { type: 'string', default: 'TLSv1.3', doc: 'Accepted for compatibility; ssl.enabled.protocols decides.' },
  'ssl.endpoint.identification.algorithm': { type: 'string', default: 'https', doc: 'Whether a client (inter-broker) checks the server certificate names its host: https, or empty for no check.' },
  'ssl.principal.mapping.rules': { type: 'string', default: 'DEFAULT', doc: 'Principal name of a client certificate from its RFC 2253 subject: RULE:pattern/replacement/[LU] rules and DEFAULT (the subject as it is), first match wins; no match refuses the client.' },
  'runnel.ssl.reload.check.interval.ms': { type: 'long', default: '5000', min: 0, doc: 'Runnel: how often TLS listeners check their keystore and truststore files for a renewed certificate (0: never; an AlterConfigs of the listener\'s keystore keys always applies at once).' },
  // ---- SASL (listeners with SASL_PLAINTEXT / SASL_SSL); listener.name.<listener>.<key> overrides where noted.
  'sasl.enabled.mechanisms': { type: 'list', default: 'GSSAPI', doc: 'Mechanisms SASL listeners serve (listener.name.<listener>.sasl.enabled.mechanisms overrides). Runnel serves PLAIN and the mechanisms listed in Securing Runnel; as in Kafka the default is GSSAPI, which Runnel does not serve, so a SASL listener needs this key.' },
  'connections.max.reauth.ms': { type: 'long', default: '0', min: 0, doc: 'KIP-368: longest SASL session; clients that support it re-authenticate before, others are disconnected on their next request after it. 0: sessions last as long as the credential. listener.name.<listener>[.<mechanism>].connections.max.reauth.ms overrides.' },
  'connection.failed.authentication.delay.ms': { type: 'int', default: '100', min: 0, doc: 'How long a failed SASL authentication waits before its answer is sent and the connection closed (slows password guessing without holding up anything else).' },
  'sasl.server.max.receive.size': { type: 'int', default: '524288', min: 1, doc: 'Largest frame read before a connection is authenticated; a larger one closes it.' },
  'runnel.sasl.handshake.timeout.ms': { type: 'int', default: '30000', min: 1, doc: 'Runnel: a connection on a SASL listener that has not completed authentication (or a re-authentication) within this time is closed. Kafka has no such bound short of connections.max.idle.ms.' },
  'authorizer.class.name': { type: 'enum', default: '', values: ['', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer', 'runnel.StandardAuthorizer'], doc: 'Enables ACLs: one of Kafka\'s authorizer class names (StandardAuthorizer, AclAuthorizer; both mean the same here) or runnel.StandardAuthorizer. Empty: no authorization.' },
  'super.users': { type: 'string', default: '', doc: 'Principals allowed everything, semicolon-separated (User:admin;User:ops).' },
  'allow.everyone.if.no.acl.found': { type: 'bool', default: 'false', doc: 'Allow access to a resource that has no ACL at all (otherwise only super.users may use it).' },
  // ---- SASL/OAUTHBEARER token validation (src/security/oauthbearer). Each may also be given per listener as listener.name.<listener>.oauthbearer.<key>.
  'sasl.oauthbearer.jwks.endpoint.url': { type: 'string', doc: 'JWKS (http, https or file URL) whose keys sign OAUTHBEARER tokens. Set (or with listener.name.<l>.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler), tokens must be signed by one of its keys; unset, Kafka\'s unsecured validator accepts unsigned tokens (development only).' },
  'sasl.oauthbearer.jwks.endpoint.refresh.ms': { type: 'long', default: '3600000', min: 0, doc: 'How long fetched JWKS keys are used before the endpoint is asked again (a token with an unknown kid asks at once). A file is read again whenever it changes.' },
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms': { type: 'long', default: '100', min: 0, doc: 'After a failed JWKS fetch, logins fail without asking the endpoint for this long, doubling on each failure.' },
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms': { type: 'long', default: '10000', min: 0, doc: 'Longest wait between two JWKS fetch attempts after failures.' },
  'sasl.oauthbearer.expected.issuer': { type: 'string', doc: 'The iss claim a token must carry; unset, any issuer.' },
  'sasl.oauthbearer.expected.audience': { type: 'list', doc: 'Audiences of which a token\'s aud claim must name one; unset, any audience.' },
  'sasl.oauthbearer.clock.skew.seconds': { type: 'int', default: '30', min: 0, doc: 'Clock difference tolerated when checking a token\'s exp and nbf.' },
  'sasl.oauthbearer.scope.claim.name': { type: 'string', default: 'scope', doc: 'Claim holding a token\'s scope (a string is one scope, or a list).' },
  'sasl.oauthbearer.sub.claim.name': { type: 'string', default: 'sub', doc: 'Claim holding the principal name: a token for sub=alice authenticates User:alice.' },
  'runnel.sasl.oauthbearer.required.scope': { type: 'list', doc: 'Runnel: scopes a JWKS-validated token must all hold (insufficient_scope otherwise). Kafka has no such check: unset, as in Kafka, the scope is not required.' },
};

/**
 * Keys that can also be given for one listener as listener.name.<listener>.<key> (Kafka's
 * listener-prefixed configs), overriding the unprefixed key on that listener.
 */
export const LISTENER_PREFIXABLE = /^(ssl|sasl)\./;

/** The declared key behind listener.name.<listener>.<key>, when `key` is one; undefined otherwise. */
export function listenerKeyBase(key: string): string | undefined {
  const m = /^listener\.name\.[A-Za-z_][A-Za-z0-9_]*\.(.+)$/.exec(key);
  return m && Object.hasOwn(KEYS, m[1]) && LISTENER_PREFIXABLE.test(m[1]) ? m[1] : undefined;
}

/** The definition of a key, listener-prefixed keys included. */
export function keyDef(key: string): KeyDef | undefined {
  if (Object.hasOwn(KEYS, key)) return KEYS[key];
  const base = listenerKeyBase(key);
  return base === undefined ? undefined : KEYS[base];
}

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
