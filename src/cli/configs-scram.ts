/**
 * The SCRAM part of `runnel configs --entity-type users`, as kafka-configs.sh (ConfigCommand) does
 * it: --alter --add-config 'SCRAM-SHA-512=[iterations=8192,password=...]' creates or replaces a
 * credential (iterations default 4096; the password is salted here, never sent), --delete-config
 * SCRAM-SHA-512 removes one, and --describe adds "SCRAM credential configs for user-principal
 * '<user>' are SCRAM-SHA-512=iterations=8192" per user with a credential after the quota lines.
 * Kafka's refusals: SCRAM configs for clients, with a default user, or together with quota configs.
 *
 * configs-quotas.ts calls these for the users entity type.
 */
import type { Client } from '../client/client.js';
import { describeUserScramCredentials, alterUserScramCredentials, type ScramUpsertion } from '../client/scram-admin.js';
import { errorName } from '../client/errors.js';
import { DEFAULT_ITERATIONS, mechanismByName, mechanismByType, type ScramMechanismName } from '../security/scram/scram-formatter.js';
import { UsageError } from './args.js';

const isScram = (key: string): boolean => mechanismByName(key) !== undefined;

/** Whether an --alter names SCRAM configs (then it is a SCRAM alteration, not a quota one). */
export function hasScramConfigs(add: ReadonlyMap<string, string>, remove: readonly string[]): boolean {
  return [...add.keys(), ...remove].some(isScram);
}

/** Kafka's exception class for an error code, as ConfigCommand's error lines name it. */
function exceptionName(code: number): string {
  const words = errorName(code).toLowerCase().split('_');
  return `org.apache.kafka.common.errors.${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Exception`;
}

/** ConfigCommand's iterationsAndPasswordBytes: '[iterations=N,]password=P'. */
function credential(mechanism: ScramMechanismName, value: string): { iterations: number; password: string } {
  // ConfigCommand drops every square bracket of a value, not only the grouping ones.
  const v = value.replace(/[[\]]/g, '');
  const match = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(v);
  if (!match || (match[1] !== undefined && !/^-?[0-9]+$/.test(match[1]))) throw new UsageError(`Invalid credential property ${mechanism}=${v}`);
  const iterations = match[1] !== undefined && match[1] !== '-1' ? Number(match[1]) : DEFAULT_ITERATIONS;
  const min = mechanismByName(mechanism)!.minIterations;
  if (iterations < min) throw new UsageError(`Iterations ${iterations} is less than the minimum ${min} required for ${mechanism}`);
  return { iterations, password: match[2] };
}

/** ConfigCommand.alterConfig for users with SCRAM configs: its checks, then one AlterUserScramCredentials. */
export async function alterScramConfigs(client: Client, types: readonly string[], names: readonly string[], add: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
  const scramAdd = [...add].filter(([k]) => isScram(k));
  const scramRemove = remove.filter(isScram);
  if (types[0] === 'clients' || types.length === 2) {
    if (scramAdd.length > 0) throw new UsageError(`Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: ${scramAdd.map(([k]) => k).join(',')}`);
    throw new UsageError(`Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: ${scramRemove.join(',')}`);
  }
  if (types[0] !== 'users') throw new UsageError(`Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: ${[...scramAdd.map(([k]) => k), ...scramRemove].join(',')}`);
  if (names.some((n) => n === '')) throw new UsageError('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.');
  if ([...add.keys(), ...remove].some((k) => !isScram(k))) throw new UsageError("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.");
  const user = names[0];
  const upsertions: ScramUpsertion[] = scramAdd.map(([k, v]) => ({ user, mechanism: k as ScramMechanismName, ...credential(k as ScramMechanismName, v) }));
  await alterUserScramCredentials(
    client,
    scramRemove.map((k) => ({ user, mechanism: k as ScramMechanismName })),
    upsertions,
  );
}

/** The SCRAM lines of ConfigCommand's describe for users: `names` empty = every user with a credential. */
export async function describeScramConfigs(client: Client, names: readonly string[]): Promise<void> {
  const results = await describeUserScramCredentials(client, [...names]);
  for (const r of results) {
    if (r.errorCode === 91) continue; // RESOURCE_NOT_FOUND: a user without credentials is not listed
    if (r.errorCode !== 0) {
      process.stdout.write(`Error retrieving SCRAM credential configs for user-principal '${r.user}': ExecutionException: ${exceptionName(r.errorCode)}: ${r.errorMessage ?? ''}\n`);
      continue;
    }
    const text = r.credentialInfos.map((c) => `${mechanismByType(c.mechanism)?.name ?? 'UNKNOWN'}=iterations=${c.iterations}`).join(', ');
    process.stdout.write(`SCRAM credential configs for user-principal '${r.user}' are ${text}\n`);
  }
}
