/**
 * The three-broker cluster of the compat suite's cluster scenarios (scenarios with `cluster: true`):
 * a real etcd and three brokers as separate processes, started with test/helpers/cluster.ts, the
 * same code the cluster tests use. One cluster serves every cluster scenario of a run.
 *
 * Unlike the tests' cluster, this one auto-creates topics with replication factor 3 and 6 partitions
 * (kcat has no admin API: its topics come from auto-creation), and acks=all needs two in-sync
 * replicas (min.insync.replicas=2), so that an acknowledged write is on at least two brokers.
 */
import { startCluster, type TestCluster } from '../test/helpers/cluster.js';

export const CLUSTER_BROKERS = 3;

export const COMPAT_CLUSTER_CONFIG: Record<string, string> = {
  'auto.create.topics.enable': 'true',
  'default.replication.factor': String(CLUSTER_BROKERS),
  'num.partitions': '6',
  'min.insync.replicas': '2',
};

export interface CompatCluster {
  cluster: TestCluster;
  /**
   * What a cluster scenario's script gets: RUNNEL_BOOTSTRAP is one broker only (broker 1), so that
   * the client must find the others through Metadata, as it would in production with a partial
   * bootstrap list; RUNNEL_BROKERS lists all of them as `id@host:port,...` for the scripts' checks.
   */
  env: Record<string, string>;
  /** The last lines of every broker's log, for a failing script's report. */
  logs(): string;
  /** The brokers whose process has exited (none should, before stop()), with the end of their logs. */
  exited(): string[];
  stop(): Promise<void>;
}

export async function startCompatCluster(): Promise<CompatCluster> {
  const cluster = await startCluster({ brokers: CLUSTER_BROKERS, config: COMPAT_CLUSTER_CONFIG });
  return {
    cluster,
    env: {
      RUNNEL_BOOTSTRAP: cluster.brokers[0].bootstrap,
      RUNNEL_BROKERS: cluster.brokers.map((b) => `${b.id}@${b.bootstrap}`).join(','),
    },
    logs: () => cluster.brokers.map((b) => `--- broker ${b.id} (${b.bootstrap})\n${b.output.trimEnd().split('\n').slice(-30).join('\n')}`).join('\n'),
    exited: () =>
      cluster.brokers
        .filter((b) => !b.running)
        .map((b) => `broker ${b.id} (${b.bootstrap}) exited during the run; the end of its log:\n${b.output.trimEnd().split('\n').slice(-40).join('\n')}`),
    stop: () => cluster.stop(),
  };
}
