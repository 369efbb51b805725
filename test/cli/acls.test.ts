/**
 * `runnel acls` as a spawned process with kafka-acls.sh's flags and output: --add with principals,
 * operations, hosts and the --producer / --consumer / --idempotent shortcuts; --list (all, by
 * resource, with --resource-pattern-type match, by --principal); --remove with and without --force;
 * Kafka's usage checks; a broker without an authorizer (SECURITY_DISABLED as Kafka prints it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { aclsFlags, planCommand } from '../../src/cli/acls.js';
import { runnel, type ToolResult } from './run-tool.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

let broker: Broker;
let plain: Broker;
beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory', config: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS' } });
  plain = await startBroker({ port: 0, storage: 'memory' });
}, 60_000);
afterAll(async () => {
  await broker?.close();
  await plain?.close();
});

const acls = (args: string[], stdin = ''): Promise<ToolResult> => runnel(['acls', '--bootstrap-server', `127.0.0.1:${broker.port}`, ...args], stdin, 60_000);
const res = (type: string, name: string, pattern = 'LITERAL') => `ResourcePattern(resourceType=${type}, name=${name}, patternType=${pattern})`;
const ace = (principal: string, op: string, perm = 'ALLOW', host = '*') => `(principal=${principal}, host=${host}, operation=${op}, permissionType=${perm})`;

describe('runnel acls', { timeout: 300_000 }, () => {
  it('adds ACLs and prints them as kafka-acls.sh does', async () => {
    const add = await acls(['--add', '--allow-principal', 'User:alice', '--allow-principal', 'User:bob', '--operation', 'Read', '--operation', 'describe', '--topic', 'orders', '--group', 'g']);
    expect(add).toEqual({
      code: 0,
      stderr: '',
      stdout:
        `Adding ACLs for resource \`${res('TOPIC', 'orders')}\`: \n \t${ace('User:alice', 'READ')}\n\t${ace('User:alice', 'DESCRIBE')}\n\t${ace('User:bob', 'READ')}\n\t${ace('User:bob', 'DESCRIBE')}\n\n` +
        `Adding ACLs for resource \`${res('GROUP', 'g')}\`: \n \t${ace('User:alice', 'READ')}\n\t${ace('User:alice', 'DESCRIBE')}\n\t${ace('User:bob', 'READ')}\n\t${ace('User:bob', 'DESCRIBE')}\n\n`,
    });
    const deny = await acls(['--add', '--deny-principal', 'User:mallory', '--deny-host', '10.0.0.66', '--topic', 'orders']);
    expect(deny.code).toBe(0);
    expect(deny.stdout).toContain(`\t${ace('User:mallory', 'ALL', 'DENY', '10.0.0.66')}`);
  });

  it('--producer --idempotent and --consumer add the ACLs those roles need', async () => {
    const p = await acls(['--add', '--producer', '--idempotent', '--allow-principal', 'User:p', '--topic', 'pay', '--transactional-id', 'tx']);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain(`Adding ACLs for resource \`${res('TOPIC', 'pay')}\`: \n \t${ace('User:p', 'WRITE')}\n\t${ace('User:p', 'DESCRIBE')}\n\t${ace('User:p', 'CREATE')}\n`);
    expect(p.stdout).toContain(`Adding ACLs for resource \`${res('TRANSACTIONAL_ID', 'tx')}\`: \n \t${ace('User:p', 'WRITE')}\n\t${ace('User:p', 'DESCRIBE')}\n`);
    expect(p.stdout).toContain(`Adding ACLs for resource \`${res('CLUSTER', 'kafka-cluster')}\`: \n \t${ace('User:p', 'IDEMPOTENT_WRITE')}\n`);
    const c = await acls(['--add', '--consumer', '--allow-principal', 'User:c', '--topic', 'in', '--group', 'cg', '--resource-pattern-type', 'PREFIXED']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe(`Adding ACLs for resource \`${res('TOPIC', 'in', 'PREFIXED')}\`: \n \t${ace('User:c', 'READ')}\n\t${ace('User:c', 'DESCRIBE')}\n\n` + `Adding ACLs for resource \`${res('GROUP', 'cg', 'PREFIXED')}\`: \n \t${ace('User:c', 'READ')}\n\n`);
  });

  it('lists all ACLs, a resource\'s, the ones matching a name, and a principal\'s', async () => {
    const all = await acls(['--list']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`Current ACLs for resource \`${res('TOPIC', 'orders')}\`:\n\t${ace('User:alice', 'READ')}\n`);
    expect(all.stdout.match(/^Current ACLs for resource/gm)).toHaveLength(7);
    const one = await acls(['--list', '--topic', 'pay']);
    expect(one).toEqual({ code: 0, stderr: '', stdout: `Current ACLs for resource \`${res('TOPIC', 'pay')}\`:\n\t${ace('User:p', 'WRITE')}\n\t${ace('User:p', 'DESCRIBE')}\n\t${ace('User:p', 'CREATE')}\n\n` });
    const match = await acls(['--list', '--topic', 'inbound', '--resource-pattern-type', 'match']);
    expect(match.stdout).toBe(`Current ACLs for resource \`${res('TOPIC', 'in', 'PREFIXED')}\`:\n\t${ace('User:c', 'READ')}\n\t${ace('User:c', 'DESCRIBE')}\n\n`);
    const byPrincipal = await acls(['--list', '--topic', 'orders', '--principal', 'User:bob']);
    expect(byPrincipal.stdout).toBe(`ACLs for principal \`User:bob\`\nCurrent ACLs for resource \`${res('TOPIC', 'orders')}\`:\n\t${ace('User:bob', 'READ')}\n\t${ace('User:bob', 'DESCRIBE')}\n\n`);
  });

  it('removes after confirmation, or with --force', async () => {
    // What the broker has, read over the wire in-process (cheaper than spawning --list).
    const topicAcls = async (name: string): Promise<string[]> => {
      const w = await KafkaWire.connect(broker.port);
      try {
        const d = await w.request(29, 3, { resourceTypeFilter: 2, resourceNameFilter: name, patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
        return d.resources.flatMap((r: any) => r.acls.map((a: any) => `${a.principal} ${a.operation}`)).sort();
      } finally {
        await w.close();
      }
    };
    const no = await acls(['--remove', '--topic', 'orders'], 'n\n');
    expect(no.stdout).toBe(`Are you sure you want to delete all ACLs for resource filter \`${res('TOPIC', 'orders')}\`? (y/n)\n`);
    expect(await topicAcls('orders')).toHaveLength(5);
    const some = await acls(['--remove', '--force', '--topic', 'orders', '--allow-principal', 'User:bob', '--operation', 'Read']);
    expect(some).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await topicAcls('orders')).toEqual(['User:alice 3', 'User:alice 8', 'User:bob 8', 'User:mallory 2']);
    const yes = await acls(['--remove', '--topic', 'orders'], 'y\n');
    expect(yes.code).toBe(0);
    expect(await topicAcls('orders')).toEqual([]);
  });

  it('refuses a bad command line with one line and exit 1', async () => {
    const r = await acls(['--list', '--producer']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'runnel acls: Option "[list]" can\'t be used with option "[producer]" (see runnel acls --help)\n' });
  });

  it('prints Kafka\'s error line when the broker has no authorizer', async () => {
    const r = await runnel(['acls', '--bootstrap-server', `127.0.0.1:${plain.port}`, '--add', '--topic', 't', '--allow-principal', 'User:a'], '', 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error while executing ACL command: org.apache.kafka.common.errors.SecurityDisabledException: No Authorizer is configured.\n');
    const l = await runnel(['acls', '--bootstrap-server', `127.0.0.1:${plain.port}`, '--list'], '', 60_000);
    expect(l.stderr).toBe('Error while executing ACL command: org.apache.kafka.common.errors.SecurityDisabledException: No Authorizer is configured on the broker\n');
  });
});

describe('runnel acls command line checks (AclCommand.checkArgs and its planning)', () => {
  const cases: Array<[string[], string]> = [
    [['--list', '--add'], 'Command must include exactly one action: --list, --add, --remove. '],
    [['--list', '--producer'], 'Option "[list]" can\'t be used with option "[producer]"'],
    [['--add', '--producer', '--topic', 't', '--operation', 'Read', '--allow-principal', 'User:a'], 'Option "[producer]" can\'t be used with option "[operation]"'],
    [['--add', '--producer', '--allow-principal', 'User:a'], 'With --producer you must specify a --topic'],
    [['--add', '--idempotent', '--topic', 't', '--allow-principal', 'User:a'], 'The --idempotent option is only available if --producer is set'],
    [['--add', '--consumer', '--topic', 't', '--allow-principal', 'User:a'], 'With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.'],
    [['--add', '--topic', 't', '--principal', 'User:a'], 'The --principal option is only available if --list is set'],
    [['--add', '--topic', 't'], 'You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.'],
    [['--add', '--allow-principal', 'User:a'], 'You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>'],
    [['--add', '--cluster', '--allow-principal', 'User:a', '--resource-pattern-type', 'prefixed'], 'You must provide at least one resource'],
    [['--add', '--topic', 't', '--allow-principal', 'User:a', '--resource-pattern-type', 'match'], "A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls."],
    [['--list', '--resource-pattern-type', 'fancy'], 'Unknown resource-pattern-type: fancy'],
    [['--list', '--resource-pattern-type', 'unknown'], 'Unknown resource-pattern-type: unknown'],
    [['--add', '--group', 'g', '--allow-principal', 'User:a', '--operation', 'Write'], 'ResourceType GROUP only supports operations [ALL, READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS]'],
    [['--add', '--topic', 't', '--allow-principal', 'User:a', '--operation', 'Fly'], 'ResourceType TOPIC only supports operations'],
    [['--add', '--topic', 't', '--allow-principal', 'User:a', '--operation', 'IDEMPOTENT_WRITE'], 'ResourceType TOPIC only supports operations'],
    [['--add', '--topic', 't', '--allow-principal', 'alice'], 'expected a string in format principalType:principalName but got alice'],
  ];
  it.each(cases)('%j', (args, message) => {
    expect(() => planCommand(aclsFlags(['--bootstrap-server', 'b:9092', ...args]))).toThrow(message);
  });

  it('needs --bootstrap-server', () => {
    expect(() => planCommand(aclsFlags(['--list']))).toThrow('--bootstrap-server must be specified');
  });

  it('plans Kafka\'s ACLs for the shortcuts, operation names in any of Kafka\'s spellings', () => {
    const p = planCommand(aclsFlags(['--bootstrap-server', 'b:1', '--add', '--producer', '--consumer', '--topic', 't', '--group', 'g', '--allow-principal', 'User:a', '--allow-host', '10.0.0.1']));
    expect(p.resources.map((r) => [r.resource.type, r.resource.name, r.acls.map((a) => a.operation)])).toEqual([
      [2, 't', [4, 8, 5, 3]],
      [3, 'g', [3]],
    ]);
    expect(p.resources[0].acls.every((a) => a.host === '10.0.0.1' && a.permission === 3)).toBe(true);
    const ops = planCommand(aclsFlags(['--bootstrap-server', 'b:1', '--add', '--cluster', '--allow-principal', 'User:a', '--operation', 'IdempotentWrite', '--operation', 'idempotentwrite', '--operation', 'ALTER_CONFIGS'.replace('_', '')]));
    expect(ops.resources[0].acls.map((a) => a.operation)).toEqual([12, 11]);
    const remove = planCommand(aclsFlags(['--bootstrap-server', 'b:1', '--remove', '--topic', 'x', '--resource-pattern-type', 'any']));
    expect(remove.resources).toEqual([{ resource: { type: 2, name: 'x', pattern: 1 }, acls: [] }]);
  });
});
