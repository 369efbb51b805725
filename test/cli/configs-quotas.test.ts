/**
 * The client-quota part of `runnel configs` (quotaConfigsCommand, src/cli/configs-quotas.ts) as a
 * spawned `runnel configs` with kafka-configs.sh's flags and output.
 */
import { describe, expect, it } from 'vitest';
import { javaDouble, parseAddConfig } from '../../src/cli/configs-quotas.js';
import { runnel, type ToolResult, toolBroker } from './run-tool.js';

/** `runnel configs …` as a spawned process: the quota flags are routed to quotaConfigsCommand. */
const configs = (args: string[], timeoutMs = 60_000): Promise<ToolResult> => runnel(['configs', ...args], '', timeoutMs);

const t = toolBroker();

describe('runnel configs for clients / users / ips', { timeout: 240_000 }, () => {
  it('alters and describes as kafka-configs.sh prints them', async () => {
    const alter = await configs([...t.bs, '--alter', '--entity-type', 'clients', '--entity-name', 'app', '--add-config', 'producer_byte_rate=1024,consumer_byte_rate=20000000']);
    expect(alter).toEqual({ code: 0, stdout: 'Completed updating config for client app.\n', stderr: '' });
    const alter2 = await configs([...t.bs, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--entity-type', 'clients', '--entity-default', '--add-config', 'request_percentage=12.5']);
    expect(alter2).toEqual({ code: 0, stdout: 'Completed updating config for user alice.\n', stderr: '' });
    const alter3 = await configs([...t.bs, '--alter', '--ip-defaults', '--add-config', 'connection_creation_rate=100']);
    expect(alter3).toEqual({ code: 0, stdout: 'Completed updating default config for ips in the cluster.\n', stderr: '' });

    const d1 = await configs([...t.bs, '--describe', '--entity-type', 'clients', '--entity-name', 'app']);
    expect(d1).toEqual({ code: 0, stdout: "Quota configs for client-id 'app' are producer_byte_rate=1024.0, consumer_byte_rate=2.0E7\n", stderr: '' });
    const d2 = await configs([...t.bs, '--describe', '--user', 'alice', '--client-defaults']);
    expect(d2.stdout).toBe("Quota configs for user-principal 'alice', the default client-id are request_percentage=12.5\n");
    const d3 = await configs([...t.bs, '--describe', '--entity-type', 'ips']);
    expect(d3.stdout).toBe('Quota configs for the default ip are connection_creation_rate=100.0\n');

    const del = await configs([...t.bs, '--alter', '--client', 'app', '--delete-config', 'consumer_byte_rate']);
    expect(del.code).toBe(0);
    expect((await configs([...t.bs, '--describe', '--client', 'app'])).stdout).toBe("Quota configs for client-id 'app' are producer_byte_rate=1024.0\n");
  });

  it('refuses bad command lines and bad values with one line and exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--describe', '--alter', '--client', 'x'], /exactly one action/],
      [['--alter', '--entity-type', 'clients', '--add-config', 'producer_byte_rate=1'], /must be specified with each --entity-type for --alter/],
      [['--describe', '--entity-type', 'users', '--entity-type', 'ips'], /Only 'users' and 'clients'/],
      [['--describe', '--entity-type', 'clients', '--client', 'x'], /should not be used in conjunction/],
      [['--alter', '--client', 'x', '--add-config', 'producer_byte_rate=abc'], /Cannot parse quota configuration value for producer_byte_rate: abc/],
      [['--alter', '--client', 'x', '--add-config', 'bogus_key=1'], /INVALID_REQUEST \(Invalid configuration key bogus_key\)/],
      [['--alter', '--client', 'x', '--delete-config', 'producer_byte_rate'], /Invalid config\(s\): producer_byte_rate/],
    ];
    for (const [args, err] of cases) {
      const r = await configs([...t.bs, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(err);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('formatting helpers', () => {
  it("prints doubles as Java's Double.toString", () => {
    expect([1024, 12.5, 2e7, 1e-4, 0.5, 123456789].map(javaDouble)).toEqual(['1024.0', '12.5', '2.0E7', '1.0E-4', '0.5', '1.23456789E8']);
  });
  it('splits --add-config at commas outside brackets', () => {
    expect([...parseAddConfig('a=1,b=[2,3],c=4')]).toEqual([['a', '1'], ['b', '2,3'], ['c', '4']]);
  });
});
