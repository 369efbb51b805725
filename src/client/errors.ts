/** Errors the client raises: a Kafka error code with its protocol name, or a plain failure. */
import { ErrorCode } from '../protocol/errors.js';

const NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

export function errorName(code: number): string {
  return NAMES.get(code) ?? `error code ${code}`;
}

export class ClientError extends Error {
  override name = 'ClientError';
}

export class KafkaError extends ClientError {
  override name = 'KafkaError';
  constructor(
    readonly code: number,
    what: string,
    detail?: string | null,
  ) {
    super(`${what}: ${errorName(code)}${detail ? ` (${detail})` : ''}`);
  }
}

/** Throws a KafkaError unless `code` is 0. */
export function check(code: number, what: string, detail?: string | null): void {
  if (code !== 0) throw new KafkaError(code, what, detail);
}
