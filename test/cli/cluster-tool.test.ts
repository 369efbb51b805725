/**
 * `runnel cluster` (kafka-cluster.sh) against one node: cluster-id prints Kafka's line; unregister
 * of the node itself is refused (it is alive), of an unknown id BROKER_ID_NOT_REGISTERED; flags
 * as kafka-cluster.sh takes them (-b, -i). The cluster side is test/cluster/decommission.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { runnel } from './run-tool.js';

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
});

afterAll(async () => {
  await broker?.close();
});

describe('runnel cluster', { timeout: 60_000 }, () => {
  it('cluster-id prints the cluster id', async () => {
    const r = await runnel(['cluster', 'cluster-id', '--bootstrap-server', broker.bootstrap]);
    expect(r).toMatchObject({ code: 0, stdout: `Cluster ID: ${broker.clusterId}\n`, stderr: '' });
  });

  it('unregister: the live node is refused, an unknown id is not registered', async () => {
    const self = await runnel(['cluster', 'unregister', '-b', broker.bootstrap, '-i', String(broker.nodeId)]);
    expect(self.code).toBe(1);
    expect(self.stderr).toBe(`runnel cluster: unregister broker ${broker.nodeId}: INVALID_REQUEST (Broker ${broker.nodeId} is alive; stop it before unregistering it (Runnel keeps a live broker's registration with its session).)\n`);
    const other = await runnel(['cluster', 'unregister', '--bootstrap-server', broker.bootstrap, '--id', String(broker.nodeId + 5)]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(`runnel cluster: unregister broker ${broker.nodeId + 5}: BROKER_ID_NOT_REGISTERED (Broker ID ${broker.nodeId + 5} is not currently registered)\n`);
  });

  it('bad command lines are one line and exit code 1', async () => {
    for (const args of [['unregister', '-b', broker.bootstrap], ['cluster-id'], ['nonsense', '-b', broker.bootstrap], ['unregister', '-b', broker.bootstrap, '--id', 'x']]) {
      const r = await runnel(['cluster', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await runnel(['cluster', '--help'])).stdout).toContain('unregister --id N');
  });
});
