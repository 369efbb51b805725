/**
 * DescribeUserScramCredentials and AlterUserScramCredentials over a credential store, with the
 * checks, error codes and messages of Kafka's ScramImage.describe and ScramControlManager:
 * an empty user name is UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM,
 * iterations outside [the mechanism's minimum, 16384] UNACCEPTABLE_CREDENTIAL, deleting a credential
 * that does not exist RESOURCE_NOT_FOUND, a user named twice in one request DUPLICATE_RESOURCE (all of
 * that user's alterations are dropped). The valid alterations are applied together. An upsertion
 * carries the salted password; only StoredKey and ServerKey derived from it are kept.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { ScramChange, ScramCredentialStore } from './credential-store.js';
import { credentialFromSalted, mechanismByType, MAX_ITERATIONS, SCRAM_MECHANISMS } from './scram-formatter.js';

export interface UserResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface DescribedUser extends UserResult {
  credentialInfos: Array<{ mechanism: number; iterations: number }>;
}

export interface Deletion {
  name: string;
  mechanism: number;
}

export interface Upsertion extends Deletion {
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

const DUPLICATE_ALTER = 'A user credential cannot be altered twice in the same request';

/** ScramImage.describe: null or no users = every user with a credential. */
export function describeScramCredentials(store: ScramCredentialStore, users: readonly string[] | null): DescribedUser[] {
  const snapshot = store.snapshot();
  const asked = users === null || users.length === 0 ? [...snapshot.keys()].sort() : users;
  const seen = new Map<string, boolean>();
  for (const u of asked) seen.set(u, seen.has(u));
  return [...seen].map(([user, duplicate]) => {
    if (duplicate) return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
    const creds = snapshot.get(user);
    if (!creds || creds.size === 0) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
    const credentialInfos = SCRAM_MECHANISMS.filter((m) => creds.has(m.name)).map((m) => ({ mechanism: m.type, iterations: creds.get(m.name)!.iterations }));
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
  });
}

function nameAndMechanismError(d: Deletion): UserResult | undefined {
  if (d.name === '') return { user: d.name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
  if (!mechanismByType(d.mechanism)) return { user: d.name, errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
  return undefined;
}

/** ScramControlManager.alterCredentials: one result per user named; the valid changes applied at once. */
export async function alterScramCredentials(store: ScramCredentialStore, deletions: readonly Deletion[], upsertions: readonly Upsertion[]): Promise<UserResult[]> {
  const snapshot = store.snapshot();
  const toDelete = new Map<string, Deletion>();
  const toUpsert = new Map<string, Upsertion>();
  const errors = new Map<string, UserResult>();
  const duplicate = (user: string): UserResult => ({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: DUPLICATE_ALTER });
  for (const d of deletions) {
    if (errors.has(d.name)) continue;
    if (toDelete.delete(d.name)) {
      errors.set(d.name, duplicate(d.name));
      continue;
    }
    const err = nameAndMechanismError(d) ?? (snapshot.get(d.name)?.has(mechanismByType(d.mechanism)!.name) ? undefined : { user: d.name, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' });
    if (err) errors.set(d.name, err);
    else toDelete.set(d.name, d);
  }
  for (const u of upsertions) {
    if (errors.has(u.name)) continue;
    if (toDelete.delete(u.name) || toUpsert.delete(u.name)) {
      errors.set(u.name, duplicate(u.name));
      continue;
    }
    let err = nameAndMechanismError(u);
    if (!err) {
      const m = mechanismByType(u.mechanism)!;
      if (u.iterations < m.minIterations) err = { user: u.name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
      else if (u.iterations > MAX_ITERATIONS) err = { user: u.name, errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
    }
    if (err) errors.set(u.name, err);
    else toUpsert.set(u.name, u);
  }
  const changes: ScramChange[] = [
    ...[...toDelete.values()].map((d) => ({ user: d.name, mechanism: mechanismByType(d.mechanism)!.name, credential: null })),
    ...[...toUpsert.values()].map((u) => {
      const m = mechanismByType(u.mechanism)!;
      return { user: u.name, mechanism: m.name, credential: credentialFromSalted(m, u.saltedPassword, Buffer.from(u.salt), u.iterations) };
    }),
  ];
  if (changes.length > 0) await store.apply(changes);
  const ok = (user: string): UserResult => ({ user, errorCode: ErrorCode.NONE, errorMessage: null });
  return [...[...toDelete.keys()].map(ok), ...[...toUpsert.keys()].map(ok), ...errors.values()];
}
