/** The `runnel` command. */
import { startCommand } from './start.js';
import { topicsCommand } from './topics.js';
import { consoleProducerCommand } from './console-producer.js';
import { consoleConsumerCommand } from './console-consumer.js';
import { consumerGroupsCommand } from './consumer-groups.js';
import { perfCommand } from './perf.js';
import { devClusterCommand } from './dev-cluster.js';
import { reassignPartitionsCommand } from './reassign-partitions.js';
import { configsCommand } from './configs.js';
import { clusterCommand } from './cluster.js';
import { leaderElectionCommand } from './leader-election.js';
import { aclsCommand } from './acls.js';
import { VERSION } from '../version.js';

const USAGE = `Usage: runnel <command> [options]

Commands:
  start             Run the broker (see runnel start --help)
  topics            Create, list, describe, alter and delete topics (kafka-topics.sh)
  console-producer  Produce lines from standard input (kafka-console-producer.sh)
  console-consumer  Print the records of a topic (kafka-console-consumer.sh)
  consumer-groups   List, describe, delete groups and reset offsets (kafka-consumer-groups.sh)
  perf              Producer and consumer load tests: perf produce, perf consume
                    (kafka-producer-perf-test.sh, kafka-consumer-perf-test.sh)
  dev-cluster       Run etcd and N brokers locally as one cluster, for development
  reassign-partitions  Move partitions between brokers (kafka-reassign-partitions.sh)
  configs           Describe and alter topic, broker, broker-logger and group configs, client quotas
                    (kafka-configs.sh)
  cluster           Cluster id, unregister a broker (kafka-cluster.sh)
  leader-election   Elect preferred or unclean partition leaders (kafka-leader-election.sh)
  acls              Add, remove and list ACLs (kafka-acls.sh)

Each command takes --help.

Options:
  --help            Show this help
  --version         Print the version
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  start: startCommand,
  topics: topicsCommand,
  'console-producer': consoleProducerCommand,
  'console-consumer': consoleConsumerCommand,
  'consumer-groups': consumerGroupsCommand,
  perf: perfCommand,
  'dev-cluster': devClusterCommand,
  'reassign-partitions': reassignPartitionsCommand,
  configs: configsCommand,
  cluster: clusterCommand,
  'leader-election': leaderElectionCommand,
  acls: aclsCommand,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (command) return command(rest);
  switch (cmd) {
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`runnel: unknown command '${cmd}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`runnel: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
