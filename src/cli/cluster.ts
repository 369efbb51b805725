/** `runnel cluster`: kafka-cluster.sh (cluster-id, unregister) on Runnel's own client. */
import { flagsOrHelp, UsageError } from './args.js';
import { intFlag, runTool } from './tool.js';
import { toolClientConfig } from './client-config.js';
import { Client } from '../client/client.js';
import { check } from '../client/errors.js';
import type { DescribeClusterResponse, UnregisterBrokerResponse } from '../protocol/messages/index.js';

const HELP = `Usage: runnel cluster COMMAND --bootstrap-server HOST:PORT [options]

The cluster tool, as kafka-cluster.sh.

Commands:
  cluster-id               Print the cluster's id
  unregister --id N        Forget broker N for good (UnregisterBroker). The broker must be stopped
                           and no partition may name it as a replica any more: move them away first

Options:
  --bootstrap-server, -b H:P   The broker to connect to (comma-separated list allowed)
  --id, -i N                   unregister: the broker id
  --config, -c FILE            Admin client properties: client.id, security.protocol, ssl.*,
                               sasl.* (--command-config is taken too)
  --help                       Show this help
`;

const SPEC = {
  '--bootstrap-server': { value: true },
  '-b': { value: true },
  '--id': { value: true },
  '-i': { value: true },
  '--config': { value: true },
  '-c': { value: true },
  '--command-config': { value: true },
};

const DESCRIBE_CLUSTER = 60;
const UNREGISTER_BROKER = 64;

export function clusterCommand(argv: string[]): Promise<number> {
  return runTool('cluster', async () => {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(HELP);
      return command === undefined ? 1 : 0;
    }
    const flags = flagsOrHelp(rest, SPEC, HELP);
    if (!flags) return 0;
    const bootstrap = flags.get('--bootstrap-server')?.[0] ?? flags.get('-b')?.[0];
    if (!bootstrap) throw new UsageError('Please specify --bootstrap-server.');
    const id = intFlag(flags.get('--id')?.[0] ?? flags.get('-i')?.[0], '--id', 0);
    if (command !== 'cluster-id' && command !== 'unregister') throw new UsageError(`unknown command '${command}' (cluster-id, unregister)`);
    if (command === 'unregister' && id === undefined) throw new UsageError('unregister needs --id');
    if (command === 'cluster-id' && id !== undefined) throw new UsageError('--id goes with unregister only');
    if (flags.has('-c')) flags.set('--config', flags.get('-c')!);
    const client = await Client.connect(bootstrap, toolClientConfig(flags, 'runnel-cluster', { fileFlags: ['--config', '--command-config'] }).options);
    try {
      if (command === 'cluster-id') {
        const res = await client.bootstrap.request<DescribeClusterResponse>(DESCRIBE_CLUSTER, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
        check(res.errorCode, 'describe cluster', res.errorMessage);
        process.stdout.write(`Cluster ID: ${res.clusterId}\n`);
        return 0;
      }
      const res = await client.bootstrap.request<UnregisterBrokerResponse>(UNREGISTER_BROKER, { brokerId: id });
      check(res.errorCode, `unregister broker ${id}`, res.errorMessage);
      process.stdout.write(`Broker ${id} is no longer registered.\n`);
      return 0;
    } finally {
      await client.close();
    }
  });
}
