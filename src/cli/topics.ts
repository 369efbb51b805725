/** `runnel topics`: kafka-topics.sh on Runnel's own client. */
import { exactlyOne, flagsFromHelp, option, UsageError } from './args.js';
import { ErrorCode } from '../protocol/errors.js';
import { intOption, keyValues, required, runFlagTool } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client, kafkaUuid, topicInfo, type TopicInfo } from '../client/client.js';
import { configOverrides, createPartitions, createTopic, deleteTopic, topicConfigs } from '../client/admin.js';
import { describeText, type DescribedTopic, type DescribeFilters } from './topic-describe.js';
import { KafkaError } from '../client/errors.js';

const HELP = `Usage: runnel topics --bootstrap-server HOST:PORT ACTION [options]

Creates, lists, describes, alters and deletes topics, as kafka-topics.sh does.

Actions (exactly one):
  --create                 Create a topic (--topic, optionally --partitions, --replication-factor,
                           or --replica-assignment; --config, --if-not-exists)
  --list                   List topic names (--topic REGEX filters them)
  --describe               Describe topics: all, or --topic T
  --alter                  Increase a topic's partitions (--topic T --partitions N
                           [--replica-assignment ...])
  --delete                 Delete a topic (--topic T)

Options:
  --bootstrap-server H:P   The broker to connect to (comma-separated list allowed)
  --command-config FILE    Client properties: client.id, security.protocol, ssl.*, sasl.*
  --topic T                The topic
  --partitions N           Partition count (--create: default the broker's num.partitions)
  --replication-factor R   Replication factor (--create: default the broker's default)
  --replica-assignment A  Explicit replicas, one list per partition: "b1:b2,b2:b3" is partition 0
                           on brokers 1 and 2, partition 1 on 2 and 3 (first = preferred leader).
                           --alter: lists for every partition; those of existing ones are skipped
  --config KEY=VALUE       A topic config for --create (repeatable)
  --if-not-exists          --create: no error when the topic exists
  --if-exists              --alter, --delete: no error when the topic does not exist

Partition filters for --describe (any of them; only the matching partitions are printed):
  --under-replicated-partitions   fewer in-sync replicas than replicas
  --under-min-isr-partitions      fewer in-sync replicas than min.insync.replicas, or no leader
  --at-min-isr-partitions         exactly min.insync.replicas in-sync replicas
  --unavailable-partitions        no leader, or a leader that is not alive
  --help                   Show this help
`;

const FILTERS = ['--under-replicated-partitions', '--under-min-isr-partitions', '--at-min-isr-partitions', '--unavailable-partitions'] as const;

/** The actions are the flags the help lists under "Actions". */
const ACTIONS = Object.keys(flagsFromHelp(HELP, 'Actions'));

export function topicsCommand(argv: string[]): Promise<number> {
  return runFlagTool('topics', argv, HELP, async (flags) => {
    const action = exactlyOne(flags, ACTIONS);
    const bootstrap = required(flags, '--bootstrap-server');
    const topic = option(flags, '--topic');
    const partitions = intOption(flags, '--partitions', 1);
    const rf = intOption(flags, '--replication-factor', 1);
    const configs = keyValues(flags.get('--config'), '--config');
    const assignment = replicaAssignment(option(flags, '--replica-assignment'));
    if (assignment && action !== '--create' && action !== '--alter') throw new UsageError('--replica-assignment goes with --create or --alter only');
    if (assignment && action === '--create' && (partitions !== undefined || rf !== undefined))
      throw new UsageError("Option [replica-assignment] can't be used with option [partitions] or [replication-factor]");
    if (action !== '--create' && (configs.size > 0 || rf !== undefined)) throw new UsageError(`--config and --replication-factor go with --create only`);
    if ((action === '--create' || action === '--alter' || action === '--delete') && !topic) throw new UsageError(`${action} needs --topic`);
    if (action !== '--describe' && FILTERS.some((f) => flags.has(f))) throw new UsageError(`${FILTERS.join(', ')} go with --describe only`);
    if (action === '--alter' && partitions === undefined) throw new UsageError('--alter needs --partitions');
    const client = await Client.connect(bootstrap, toolClientConfig(flags, 'runnel-topics').options);
    try {
      switch (action) {
        case '--create':
          try {
            await createTopic(client, { name: topic!, partitions: partitions ?? -1, replicationFactor: rf ?? -1, configs: Object.fromEntries(configs), assignments: assignment });
          } catch (err) {
            if (err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) {
              if (flags.has('--if-not-exists')) return 0;
              throw new KafkaError(err.code, `Topic '${topic}' already exists`);
            }
            throw err;
          }
          process.stdout.write(`Created topic ${topic}.\n`);
          return 0;
        case '--list': {
          const md = await client.metadata();
          const re = topic ? new RegExp(`^(?:${topic})$`) : undefined;
          const names = md.topics.map((t) => t.name ?? '').filter((n) => n && (!re || re.test(n))).sort();
          process.stdout.write(names.map((n) => `${n}\n`).join(''));
          return 0;
        }
        case '--describe':
          return await describe(client, topic, {
            underReplicated: flags.has('--under-replicated-partitions'),
            underMinIsr: flags.has('--under-min-isr-partitions'),
            atMinIsr: flags.has('--at-min-isr-partitions'),
            unavailable: flags.has('--unavailable-partitions'),
          });
        case '--alter':
        case '--delete':
          try {
            if (action === '--alter') await createPartitions(client, topic!, partitions!, undefined, assignment && (await newPartitionLists(client, topic!, assignment)));
            else await deleteTopic(client, topic!);
          } catch (err) {
            if (err instanceof KafkaError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
              if (flags.has('--if-exists')) return 0;
              throw new KafkaError(err.code, `Topic '${topic}' does not exist as expected`);
            }
            throw err;
          }
          return 0;
        default:
          throw new Error(`the help lists action ${action}, which is not served`);
      }
    } finally {
      await client.close();
    }
  });
}

async function describe(client: Client, topic: string | undefined, filters: DescribeFilters): Promise<number> {
  const md = await client.metadata(topic ? [topic] : undefined);
  const live = new Set(md.brokers.map((b) => b.nodeId));
  const topics: TopicInfo[] = [];
  for (const t of md.topics) {
    if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaError(t.errorCode, `Topic '${t.name}' does not exist as expected`);
    if (t.errorCode !== 0) throw new KafkaError(t.errorCode, `describe topic '${t.name}'`);
    topics.push(topicInfo(t));
  }
  topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const described: DescribedTopic[] = [];
  for (const t of topics) {
    const configs = await topicConfigs(client, t.name);
    const minIsr = Number(configs.find((c) => c.name === 'min.insync.replicas')?.value ?? '1');
    const id = kafkaUuid(t.topicId);
    described.push({
      name: t.name,
      topicId: id === ZERO_ID ? '' : id,
      overrides: configOverrides(configs),
      minIsr,
      // Kafka's admin client knows a leader only among the brokers Metadata lists (the live ones).
      partitions: t.partitions.map((p) => ({ partition: p.partition, leader: live.has(p.leader) ? p.leader : undefined, replicas: p.replicas, isr: p.isr })),
    });
  }
  process.stdout.write(describeText(described, filters, live));
  return 0;
}

const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * kafka-topics.sh's --replica-assignment: partitions separated by ',', a partition's brokers by
 * ':'. As TopicCommand.parseReplicaAssignment, a list naming a broker twice or of another length
 * than the first is refused here, before any request.
 */
export function replicaAssignment(text: string | undefined): number[][] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part, i, all) => {
    const ids = part.split(':').map((b) => {
      if (!/^\s*-?\d+\s*$/.test(b)) throw new UsageError(`--replica-assignment: '${b}' is not a broker id`);
      return Number(b);
    });
    const dup = [...new Set(ids.filter((b, j) => ids.indexOf(b) !== j))];
    if (dup.length > 0) throw new UsageError(`Partition replica lists may not contain duplicate entries: ${dup.join(',')}`);
    const first = all[0].split(':').length;
    if (ids.length !== first) throw new UsageError(`Partition ${i} has different replication factor: [${ids.join(', ')}]`);
    return ids;
  });
}

/** --alter names every partition's replicas; the request takes those of the new ones only. */
async function newPartitionLists(client: Client, topic: string, lists: number[][]): Promise<number[][]> {
  const md = await client.metadata([topic]);
  const existing = md.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  return lists.slice(existing);
}
