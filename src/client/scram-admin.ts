/**
 * SCRAM credential administration as Kafka's admin client does it: DescribeUserScramCredentials,
 * and AlterUserScramCredentials with the password salted here (a random salt, Hi(password, salt,
 * iterations)), so that the password itself never crosses the wire or reaches the broker.
 */
import type * as m from '../protocol/messages/index.js';
import type { Client } from './client.js';
import { KafkaError } from './errors.js';
import { mechanismByName, randomSalt, saltedPassword, type ScramMechanismName } from '../security/scram/scram-formatter.js';

const DESCRIBE_USER_SCRAM_CREDENTIALS = 50;
const ALTER_USER_SCRAM_CREDENTIALS = 51;

export interface ScramUpsertion {
  user: string;
  mechanism: ScramMechanismName;
  iterations: number;
  password: string;
}

export interface ScramDeletion {
  user: string;
  mechanism: ScramMechanismName;
}

/** The broker's answer per user (null or [] = every user with a credential); a top-level error throws. */
export async function describeUserScramCredentials(client: Client, users: string[] | null): Promise<m.DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult[]> {
  const res = await client.bootstrap.request<m.DescribeUserScramCredentialsResponse>(DESCRIBE_USER_SCRAM_CREDENTIALS, { users: users === null ? null : users.map((name) => ({ name })) });
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, 'describe user SCRAM credentials', res.errorMessage);
  return res.results;
}

/** Applies the alterations; throws the first user's error, as the admin client's all() does. */
export async function alterUserScramCredentials(client: Client, deletions: ScramDeletion[], upsertions: ScramUpsertion[]): Promise<void> {
  const typeOf = (name: ScramMechanismName): number => mechanismByName(name)!.type;
  const res = await client.bootstrap.request<m.AlterUserScramCredentialsResponse>(ALTER_USER_SCRAM_CREDENTIALS, {
    deletions: deletions.map((d) => ({ name: d.user, mechanism: typeOf(d.mechanism) })),
    upsertions: await Promise.all(
      upsertions.map(async (u) => {
        const salt = randomSalt();
        return { name: u.user, mechanism: typeOf(u.mechanism), iterations: u.iterations, salt, saltedPassword: await saltedPassword(mechanismByName(u.mechanism)!, u.password, salt, u.iterations) };
      }),
    ),
  });
  const failed = res.results.find((r) => r.errorCode !== 0);
  if (failed) throw new KafkaError(failed.errorCode, `alter SCRAM credentials of user '${failed.user}'`, failed.errorMessage);
}
