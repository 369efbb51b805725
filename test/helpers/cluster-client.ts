/**
 * kafkajs against a test cluster (test/helpers/cluster.ts): a client that keeps retrying through
 * failovers, and a started cluster together with such a client's connected admin.
 */
import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import { startCluster, type TestCluster } from './cluster.js';

/** Long enough to ride out a leader election after a kill (session timeout 3 s). */
export const FAILOVER_RETRY = { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 };

export function clusterClient(clientId: string, brokers: string[], config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: FAILOVER_RETRY, ...config });
}

export interface ClusterWithAdmin {
  cluster: TestCluster;
  kafka: Kafka;
  admin: Admin;
}

/** Three brokers, a client of all of them (`config` adds to or overrides clusterClient's), its admin connected. */
export async function startClusterWithAdmin(clientId: string, config: Partial<KafkaConfig> = {}): Promise<ClusterWithAdmin> {
  const cluster = await startCluster({ brokers: 3 });
  try {
    const kafka = clusterClient(clientId, cluster.bootstrap.split(','), config);
    const admin = kafka.admin();
    await admin.connect();
    return { cluster, kafka, admin };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** For afterAll: either may be missing when beforeAll failed. */
export async function stopClusterWithAdmin(cluster: TestCluster | undefined, admin: Admin | undefined): Promise<void> {
  await admin?.disconnect().catch(() => undefined);
  await cluster?.stop();
}
