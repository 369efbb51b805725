/**
 * Every client tool reads its client config file (--command-config, and --producer.config /
 * --consumer.config where Kafka's script takes them) through the shared loader: a SASL PLAIN
 * config makes each one authenticate to a stand-in broker before its first real request.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeBroker, type FakeBroker } from '../client/fake-broker.js';
import { topicsCommand } from '../../src/cli/topics.js';
import { configsCommand } from '../../src/cli/configs.js';
import { consumerGroupsCommand } from '../../src/cli/consumer-groups.js';
import { clusterCommand } from '../../src/cli/cluster.js';
import { reassignPartitionsCommand } from '../../src/cli/reassign-partitions.js';
import { leaderElectionCommand } from '../../src/cli/leader-election.js';
import { consoleProducerCommand } from '../../src/cli/console-producer.js';
import { consoleConsumerCommand } from '../../src/cli/console-consumer.js';
import { perfCommand } from '../../src/cli/perf.js';
import { aclsCommand } from '../../src/cli/acls.js';

let broker: FakeBroker;
const logins: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'runnel-command-config-'));

function configFile(name: string, user: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN', `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\`, `  username="${user}" password="${user}-pw";`, ''].join('\n'),
  );
  return path;
}

beforeAll(async () => {
  broker = await fakeBroker({
    mechanisms: ['PLAIN'],
    authenticate: (_m, bytes) => {
      logins.push(bytes.toString().split('\0').slice(1).join(':'));
      return {};
    },
  });
});
afterAll(async () => {
  await broker.close();
});

/** Runs a tool in-process with its output swallowed; resolves with its exit code. */
async function run(fn: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await fn(argv), err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('--command-config on every tool', { timeout: 60_000 }, () => {
  const cases: Array<[string, (argv: string[]) => Promise<number>, (bs: string, cfg: string) => string[], string]> = [
    ['topics', topicsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--list', '--command-config', cfg], '--command-config'],
    ['configs', configsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--describe', '--entity-type', 'topics', '--entity-name', 't', '--command-config', cfg], '--command-config'],
    ['configs (quotas)', configsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--describe', '--entity-type', 'users', '--command-config', cfg], '--command-config'],
    ['consumer-groups', consumerGroupsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--list', '--command-config', cfg], '--command-config'],
    ['cluster', clusterCommand, (bs, cfg) => ['cluster-id', '--bootstrap-server', bs, '--config', cfg], '--config'],
    ['cluster -c', clusterCommand, (bs, cfg) => ['cluster-id', '-b', bs, '-c', cfg], '-c'],
    ['reassign-partitions', reassignPartitionsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--list', '--command-config', cfg], '--command-config'],
    ['leader-election', leaderElectionCommand, (bs, cfg) => ['--bootstrap-server', bs, '--election-type', 'preferred', '--all-topic-partitions', '--command-config', cfg], '--command-config'],
    ['console-producer', consoleProducerCommand, (bs, cfg) => ['--bootstrap-server', bs, '--topic', 't', '--producer.config', cfg], '--producer.config'],
    ['console-consumer', consoleConsumerCommand, (bs, cfg) => ['--bootstrap-server', bs, '--topic', 't', '--consumer.config', cfg], '--consumer.config'],
    ['perf produce', perfCommand, (bs, cfg) => ['produce', '--bootstrap-server', bs, '--topic', 't', '--num-records', '1', '--record-size', '1', '--producer.config', cfg], '--producer.config'],
    ['acls', aclsCommand, (bs, cfg) => ['--bootstrap-server', bs, '--list', '--command-config', cfg], '--command-config'],
    ['perf consume', perfCommand, (bs, cfg) => ['consume', '--bootstrap-server', bs, '--topic', 't', '--messages', '1', '--command-config', cfg], '--command-config'],
  ];

  for (const [name, fn, args, flag] of cases) {
    it(`${name} authenticates with the user of its ${flag} file`, async () => {
      const user = `user-${name.replace(/\W+/g, '-')}`;
      logins.length = 0;
      // The stand-in broker closes the connection at the first request after authentication, so the tool fails after logging in.
      await run(fn, args(`127.0.0.1:${broker.port}`, configFile(`${user}.properties`, user)));
      expect(logins).toEqual([`${user}:${user}-pw`]);
    });
  }

  it('a -property flag overrides the file, and a file and --command-config together are refused', async () => {
    logins.length = 0;
    const cfg = configFile('base.properties', 'from-file');
    await run(consoleProducerCommand, ['--bootstrap-server', `127.0.0.1:${broker.port}`, '--topic', 't', '--producer.config', cfg, '--producer-property', 'sasl.jaas.config=x.PlainLoginModule required username=over password=ride;']);
    expect(logins).toEqual(['over:ride']);
    const both = await run(consoleConsumerCommand, ['--bootstrap-server', `127.0.0.1:${broker.port}`, '--topic', 't', '--consumer.config', cfg, '--command-config', cfg]);
    expect(both.code).toBe(1);
    expect(both.err).toContain('give --consumer.config or --command-config, not both');
  });

  it('a missing or bad config file is one line, before any connection', async () => {
    const before = broker.requests.length;
    const missing = await run(topicsCommand, ['--bootstrap-server', `127.0.0.1:${broker.port}`, '--list', '--command-config', join(dir, 'nope.properties')]);
    expect(missing).toEqual({ code: 1, err: expect.stringMatching(/^runnel topics: cannot read --command-config .*nope\.properties: ENOENT\n$/) });
    const bad = join(dir, 'bad.properties');
    writeFileSync(bad, 'security.protocol=SASL_SSL\n');
    const gss = await run(topicsCommand, ['--bootstrap-server', `127.0.0.1:${broker.port}`, '--list', '--command-config', bad]);
    expect(gss.err).toMatch(/GSSAPI \(Kerberos\) is not supported/);
    expect(broker.requests.length).toBe(before);
  });
});
