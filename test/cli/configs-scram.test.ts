/**
 * The SCRAM part of `runnel configs --entity-type users` (src/cli/configs-scram.ts) as a spawned
 * `runnel configs` with kafka-configs.sh's flags, output and refusals; the credential it creates
 * authenticates the password it was given (checked through the broker's stored keys and the SCRAM
 * mechanism), and the password is not stored.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalScramStore, lookupCredential, SCRAM_FILE } from '../../src/security/scram/credential-store.js';
import { mechanismByName } from '../../src/security/scram/scram-formatter.js';
import { scramMechanismFactory } from '../../src/security/scram/scram-mechanism.js';
import { TestScramClient } from '../security/scram/scram-client.js';
import { runnel, type ToolResult, toolBroker } from './run-tool.js';

const configs = (args: string[]): Promise<ToolResult> => runnel(['configs', ...args], '', 60_000);
const t = toolBroker();

async function authenticates(user: string, password: string): Promise<boolean> {
  const store = await LocalScramStore.open(t.broker.dataDir);
  const mech = scramMechanismFactory(mechanismByName('SCRAM-SHA-512')!, { lookup: (u) => lookupCredential(store, u, 'SCRAM-SHA-512') }).create({ listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1' });
  const client = new TestScramClient('sha512', user, password);
  const sf = await mech.evaluate(client.first());
  return mech.evaluate(client.final(sf.response)).then(
    () => true,
    () => false,
  );
}

describe('runnel configs for SCRAM users', { timeout: 240_000 }, () => {
  it('adds, describes and deletes credentials as kafka-configs.sh prints them', async () => {
    const add = await configs([...t.bs, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-512=[iterations=8192,password=alice-secret]']);
    expect(add).toEqual({ code: 0, stdout: 'Completed updating config for user alice.\n', stderr: '' });
    expect((await configs([...t.bs, '--alter', '--user', 'alice', '--add-config', 'SCRAM-SHA-256=[iterations=-1,password=alice-256]'])).code).toBe(0);
    expect(await authenticates('alice', 'alice-secret')).toBe(true);
    expect(await authenticates('alice', 'alice-256')).toBe(false);
    expect(await readFile(join(t.broker.dataDir, SCRAM_FILE), 'utf8')).not.toContain('secret');

    const d1 = await configs([...t.bs, '--describe', '--entity-type', 'users', '--entity-name', 'alice']);
    expect(d1).toEqual({ code: 0, stdout: "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192\n", stderr: '' });
    expect((await configs([...t.bs, '--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-512=[password=b]'])).code).toBe(0);
    // Quota lines first, then the SCRAM lines of every user with a credential.
    expect((await configs([...t.bs, '--alter', '--user', 'bob', '--add-config', 'producer_byte_rate=1024'])).code).toBe(0);
    const all = await configs([...t.bs, '--describe', '--entity-type', 'users']);
    expect(all.stdout).toBe(
      "Quota configs for user-principal 'bob' are producer_byte_rate=1024.0\n" +
        "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192\n" +
        "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-512=iterations=4096\n",
    );

    const del = await configs([...t.bs, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--delete-config', 'SCRAM-SHA-512']);
    expect(del).toEqual({ code: 0, stdout: 'Completed updating config for user alice.\n', stderr: '' });
    expect(await authenticates('alice', 'alice-secret')).toBe(false);
    expect((await configs([...t.bs, '--describe', '--user', 'alice'])).stdout).toBe("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096\n");
    // A user without credentials is not listed.
    expect((await configs([...t.bs, '--describe', '--user', 'nobody'])).stdout).toBe('');
  });

  it('refuses what kafka-configs.sh refuses, with one line and exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-512=[iterations=1024,password=p]'], /Iterations 1024 is less than the minimum 4096 required for SCRAM-SHA-512/],
      [['--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-512=[iterations=99999,password=p]'], /UNACCEPTABLE_CREDENTIAL \(Too many iterations\)/],
      [['--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-512=[iterations=4096]'], /Invalid credential property SCRAM-SHA-512=iterations=4096/],
      [['--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-512=[password=p],producer_byte_rate=1'], /Cannot alter both quota and SCRAM credential configs simultaneously for 'users'/],
      [['--alter', '--user-defaults', '--add-config', 'SCRAM-SHA-512=[password=p]'], /--entity-default or --user-defaults is not allowed with User SCRAM Credentials/],
      [['--alter', '--client', 'c', '--add-config', 'SCRAM-SHA-512=[password=p]'], /Only quota configs can be added for 'clients'.*SCRAM-SHA-512/],
      // As in Kafka (KRaft): one user's two mechanisms in one request are "altered twice".
      [['--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-512=[password=p],SCRAM-SHA-256=[password=p]'], /DUPLICATE_RESOURCE \(A user credential cannot be altered twice in the same request\)/],
      [['--alter', '--user', 'never', '--delete-config', 'SCRAM-SHA-256'], /RESOURCE_NOT_FOUND \(Attempt to delete a user credential that does not exist\)/],
    ];
    for (const [args, err] of cases) {
      const r = await configs([...t.bs, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(err);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
