/**
 * The runnel tools against a real broker's SASL_SSL listener (PLAIN over TLS, the CA from a PEM
 * truststore): two tools spawned as users run them, every other one in-process through the same
 * loader, and a wrong password refused with one line.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker.js';
import { makeCerts, pemBrokerSettings, type Certs } from '../helpers/certs.js';
import { runnel } from './run-tool.js';
import { topicsCommand } from '../../src/cli/topics.js';
import { configsCommand } from '../../src/cli/configs.js';
import { consumerGroupsCommand } from '../../src/cli/consumer-groups.js';
import { clusterCommand } from '../../src/cli/cluster.js';
import { reassignPartitionsCommand } from '../../src/cli/reassign-partitions.js';
import { leaderElectionCommand } from '../../src/cli/leader-election.js';
import { perfCommand } from '../../src/cli/perf.js';
import { aclsCommand } from '../../src/cli/acls.js';

let certs: Certs;
let broker: Broker;
let bs: string;
let good: string;
let wrong: string;

function clientConfig(name: string, password: string): string {
  const path = join(certs.dir, name);
  writeFileSync(
    path,
    [
      'security.protocol=SASL_SSL',
      `ssl.truststore.location=${certs.ca}`,
      'ssl.truststore.type=PEM',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${password}";`,
      '',
    ].join('\n'),
  );
  return path;
}

beforeAll(async () => {
  certs = makeCerts();
  broker = await startBroker({
    storage: 'memory',
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      ...pemBrokerSettings(certs),
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      'connection.failed.authentication.delay.ms': 0,
      // ACLs on, alice a super user: the tools act as the user their config file logs in as.
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:alice',
    },
  });
  const l = broker.listeners.find((x) => x.name === 'SASL_SSL')!;
  // localhost: the name in the broker's certificate, checked (ssl.endpoint.identification.algorithm=https).
  bs = `localhost:${l.port}`;
  good = clientConfig('good.properties', 'alice-secret');
  wrong = clientConfig('wrong.properties', 'not-it');
}, 60_000);

afterAll(async () => {
  await broker?.close();
  certs?.cleanup();
});

async function inProcess(fn: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await fn(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('runnel tools over SASL_SSL', { timeout: 120_000 }, () => {
  it('topics, console-producer and console-consumer (spawned) create, write and read back', async () => {
    expect(await runnel(['topics', '--bootstrap-server', bs, '--command-config', good, '--create', '--topic', 'secure', '--partitions', '2'])).toMatchObject({ code: 0, stdout: 'Created topic secure.\n' });
    const produced = await runnel(['console-producer', '--bootstrap-server', bs, '--topic', 'secure', '--producer.config', good], 'one\ntwo\nthree\n');
    expect(produced).toMatchObject({ code: 0, stderr: '' });
    const consumed = await runnel(['console-consumer', '--bootstrap-server', bs, '--topic', 'secure', '--from-beginning', '--max-messages', '3', '--consumer.config', good]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trimEnd().split('\n').sort()).toEqual(['one', 'three', 'two']);
  });

  it('a wrong password: exit 1 and one line naming the failed authentication', async () => {
    const r = await runnel(['topics', '--bootstrap-server', bs, '--command-config', wrong, '--list']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/authentication to localhost:\d+ with PLAIN failed/);
  });

  it('every other tool works through --command-config (in-process)', async () => {
    const cases: Array<[string, (argv: string[]) => Promise<number>, string[]]> = [
      ['topics --describe', topicsCommand, ['--bootstrap-server', bs, '--command-config', good, '--describe', '--topic', 'secure']],
      ['configs', configsCommand, ['--bootstrap-server', bs, '--command-config', good, '--describe', '--entity-type', 'topics', '--entity-name', 'secure']],
      ['configs (quotas)', configsCommand, ['--bootstrap-server', bs, '--command-config', good, '--describe', '--entity-type', 'clients']],
      ['consumer-groups', consumerGroupsCommand, ['--bootstrap-server', bs, '--command-config', good, '--list']],
      ['cluster', clusterCommand, ['cluster-id', '--bootstrap-server', bs, '--config', good]],
      ['reassign-partitions', reassignPartitionsCommand, ['--bootstrap-server', bs, '--command-config', good, '--list']],
      ['leader-election', leaderElectionCommand, ['--bootstrap-server', bs, '--command-config', good, '--election-type', 'preferred', '--topic', 'secure', '--partition', '0']],
      ['acls', aclsCommand, ['--bootstrap-server', bs, '--command-config', good, '--list']],
      ['perf produce', perfCommand, ['produce', '--bootstrap-server', bs, '--producer.config', good, '--topic', 'secure', '--num-records', '20', '--record-size', '10']],
      ['perf consume', perfCommand, ['consume', '--bootstrap-server', bs, '--consumer.config', good, '--topic', 'secure', '--messages', '20']],
    ];
    for (const [name, fn, argv] of cases) {
      const r = await inProcess(fn, argv);
      // leader-election of a partition already led by its preferred replica reports that and exits 0 too.
      expect({ name, code: r.code, err: r.err.replace(/Processed a total of \d+ messages\n/, '') }).toEqual({ name, code: 0, err: '' });
    }
  });
});
