/**
 * The scenarios of the compatibility suite, in the order of the table's columns. A client takes
 * part in a scenario by having a script compat/clients/<client>/<scenario>.<ext> (see clients.ts);
 * a script whose name is not listed here is an error, so a typo cannot silently drop a scenario.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Per-script timeout; the default is 60 s (RUNNEL_COMPAT_TIMEOUT_MS overrides both). */
  timeoutMs?: number;
  /**
   * server.properties settings of the broker this scenario's scripts run against. The runner
   * starts one broker per distinct set of settings; scenarios without any share the default one.
   */
  broker?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Each script gets a broker of its own (with these settings) that it can have restarted on the
   * same port with the same data directory: POST $RUNNEL_CONTROL_URL/restart (compat/restart.ts).
   */
  restartable?: boolean;
  /**
   * The scripts run against a three-broker cluster on a real etcd (compat/cluster.ts), shared by
   * every cluster scenario; RUNNEL_BOOTSTRAP is broker 1 only and RUNNEL_BROKERS lists all three.
   */
  cluster?: boolean;
  /**
   * Why the scenario cannot pass yet: it is skipped with this reason unless a filter names it
   * (`npx tsx compat/run.ts /<scenario>`). Remove it once the scenario passes.
   */
  pending?: string;
  /**
   * Prepares what the scenario's broker needs and cannot be written down in advance (generated
   * certificates, users, keys): called once before the run, it returns broker settings added to
   * `broker`, environment variables for the scripts (e.g. RUNNEL_SSL_CA) and a cleanup. Such a
   * scenario gets a broker of its own (compat/lib/tls-setup.ts makes TLS material for one; cluster
   * scenarios do not run setup hooks yet).
   */
  setup?: () => ScenarioSetup | Promise<ScenarioSetup>;
  /**
   * Run the scripts of that other scenario (compat/clients/<client>/<scripts>.<ext>) against this
   * scenario's broker, instead of scripts of its own: e.g. the SASL_PLAINTEXT scripts again over
   * SASL_SSL, told so by the environment their setup returns (RUNNEL_SECURITY_PROTOCOL, RUNNEL_SSL_CA).
   * The named scenario must have scripts of its own; a script named for this scenario is an error.
   */
  scripts?: string;
}

export interface ScenarioSetup {
  broker?: Readonly<Record<string, string | number | boolean>>;
  env?: Readonly<Record<string, string>>;
  cleanup?: () => void | Promise<void>;
}

import { clusterScenarios } from './scenarios-cluster.js';
import { clusterCoordinatorScenarios } from './scenarios-cluster-coordinators.js';
import { scramScenarios } from './scenarios-security-scram.js';
import { tlsScenarios } from './scenarios-security-tls.js';
import { saslScenarios } from './scenarios-security-sasl.js';
import { aclScenarios } from './scenarios-security-acl.js';
import { oauthScenarios } from './scenarios-security-oauth.js';

export const scenarios: readonly Scenario[] = [
  {
    name: 'metadata',
    description:
      'connect (ApiVersions), auto-create a topic through Metadata (retrying LEADER_NOT_AVAILABLE), ' +
      'list topics, see it with 1 partition, and see broker 1 at the advertised host:port',
  },
  {
    name: 'produce-consume',
    description:
      'create a 3-partition topic (CreateTopics, or auto-creation with num.partitions=3 where the client or the broker ' +
      'has no CreateTopics), produce 1,000 keyed messages (k0..k49) with acks=all, a seq header and explicit ' +
      'timestamps, consume from the beginning: each exactly once, seq increasing per key, one partition per key, ' +
      'headers and timestamps intact',
    broker: { 'num.partitions': 3 },
  },
  {
    name: 'compression',
    description: '200 messages per codec the client offers (gzip, snappy, lz4, zstd), each to its own topic, consumed back intact',
  },
  {
    name: 'large-message',
    description: 'a 900 KiB message (random bytes) produced with raised size limits and consumed back byte for byte',
  },
  {
    name: 'offsets',
    description:
      'ListOffsets: 10 messages with timestamps t0+i*1000; earliest is 0, latest 10, by timestamp t0+3500 is 4, ' +
      'and a timestamp after the last message finds none',
  },
  {
    name: 'admin',
    description:
      'topic administration with the admin client: create a 3-partition topic with configs (and see TOPIC_ALREADY_EXISTS ' +
      'and INVALID_CONFIG), describe topic and broker configs, alter them, grow the topic to 5 partitions, delete ' +
      'records where the client can, delete the topic (kcat has no admin API: no script)',
  },
  {
    name: 'groups',
    description:
      'classic consumer groups on a 3-partition topic (session timeout 6 s): two members split the partitions; ' +
      'one closes and the other takes all three and reads what follows; a member process killed with SIGKILL ' +
      'is removed after the session timeout and its partitions handed over; a new member starts from the ' +
      'committed offsets (nothing committed re-read, nothing lost); describe, list and delete the group and ' +
      'compute its lag with the admin API where the client has one. librdkafka (kcat, confluent-kafka) uses ' +
      'the cooperative-sticky assignor',
    broker: { 'num.partitions': 3 },
  },
  {
    name: 'group-restart',
    description:
      'a group survives a broker restart (same port and data directory): a member commits, the broker restarts, ' +
      'the same member carries on without re-reading; after another restart a new member resumes from the ' +
      'committed offsets, and the admin API still sees the group and its offsets',
    restartable: true,
  },
  {
    name: 'group-start-together',
    description:
      'classic groups of 2, 3 and 10 members started at the same moment, each on a 6-partition topic of its own, with ' +
      'the client\'s default session timeout, heartbeat and assignor: each group settles within 10 s (15 s for 10 ' +
      'members; 8 s for kafka-python, whose session timeout is 10 s), far below the session timeout: every member ' +
      'joined, the assignments disjoint and covering the 6 partitions (members beyond 6 get none), the coordinator ' +
      'agreeing (Stable, the same members and assignments); then each message is processed exactly once by the ' +
      'member owning its partition. The settle time per group size is in the script\'s output',
  },
  {
    name: 'idempotent',
    description:
      'an idempotent producer (InitProducerId, then Produce with producer id, epoch and sequence numbers) sends 500 ' +
      'messages to a 1-partition topic in several batches; read back, each is there exactly once and in order',
  },
  {
    name: 'transactions',
    description:
      'a transactional producer commits one transaction and aborts another (its messages flushed to the broker ' +
      'first); a read_committed consumer sees exactly the committed messages, a read_uncommitted one the aborted ' +
      'ones too (kafka-python reads read_committed as a second reader where its script says so)',
  },
  {
    name: 'read-committed-interleaved',
    description:
      'transactions of three producers interleaved on a 1-partition topic, written by Runnel\'s wire helper ' +
      '(compat/lib/interleaved-txns.ts): in two rounds A and B abort, in both abort orders, while C commits c1..c4 ' +
      'around them; a read_committed consumer sees exactly c1..c4, once each, in order, a read_uncommitted one all ' +
      '14 values (kafka-python has no read_committed: no script)',
  },
  {
    name: 'exactly-once',
    description:
      'consume-transform-produce with the input offsets committed in the transaction: a child process transforms ' +
      'half the input and is killed with SIGKILL mid-transaction; a new one with the same transactional id fences ' +
      'it and finishes; read_committed, the output holds each input\'s transform exactly once',
  },
  ...clusterScenarios,
  ...clusterCoordinatorScenarios,
  ...scramScenarios,
  ...tlsScenarios,
  ...saslScenarios,
  ...aclScenarios,
  ...oauthScenarios,
];
