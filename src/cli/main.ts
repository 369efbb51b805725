/** The `runnel` command. */
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

/**
 * Each command's modules are loaded when it runs: `runnel start` does not load the tools' client
 * code, nor a tool the broker (bundled as chunks, src/tools/bundle.ts).
 */
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  start: async () => (await import('./start.js')).startCommand,
  topics: async () => (await import('./topics.js')).topicsCommand,
  'console-producer': async () => (await import('./console-producer.js')).consoleProducerCommand,
  'console-consumer': async () => (await import('./console-consumer.js')).consoleConsumerCommand,
  'consumer-groups': async () => (await import('./consumer-groups.js')).consumerGroupsCommand,
  perf: async () => (await import('./perf.js')).perfCommand,
  'dev-cluster': async () => (await import('./dev-cluster.js')).devClusterCommand,
  'reassign-partitions': async () => (await import('./reassign-partitions.js')).reassignPartitionsCommand,
  configs: async () => (await import('./configs.js')).configsCommand,
  cluster: async () => (await import('./cluster.js')).clusterCommand,
  'leader-election': async () => (await import('./leader-election.js')).leaderElectionCommand,
  acls: async () => (await import('./acls.js')).aclsCommand,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (command) return (await command())(rest);
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
