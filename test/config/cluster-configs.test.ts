/** The sample configs of a three-broker cluster (config/cluster/) parse without a notice and agree with each other. */
import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BrokerConfig } from '../../src/config/config.js';

const file = (n: number): string => fileURLToPath(new URL(`../../config/cluster/broker-${n}.properties`, import.meta.url));

describe('config/cluster/broker-N.properties', () => {
  const configs = [1, 2, 3].map((n) => BrokerConfig.fromFile(file(n)));

  it.each([1, 2, 3])('broker-%i parses without warnings and names its own id, port and data', (n) => {
    const c = configs[n - 1];
    expect(c.notices).toEqual([]);
    expect(c.nodeId).toBe(n);
    expect(c.listeners()[0].port).toBe(9091 + n);
    expect(c.advertised()).toMatchObject({ host: 'localhost', port: 9091 + n });
    expect(c.list('log.dirs')).toEqual([`./data/broker-${n}`]);
    expect(c.list('runnel.etcd.endpoints')).toEqual(['localhost:2379']);
    expect(c.int('min.insync.replicas')).toBe(2);
    expect(c.int('default.replication.factor')).toBe(3);
    expect(c.int('offsets.topic.replication.factor')).toBe(3);
    expect(c.int('transaction.state.log.replication.factor')).toBe(3);
  });

  it('gives every broker its own id, ports and log directory', () => {
    for (const key of ['node.id', 'listeners', 'advertised.listeners', 'log.dirs', 'runnel.metrics.port']) {
      expect(new Set(configs.map((c) => c.get(key))).size).toBe(3);
    }
  });
});
