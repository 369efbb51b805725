/**
 * What the broker expects a parser or check to throw on bad input: a DecodeError or a RangeError
 * (the connection is closed), a BatchError with its Kafka code (the partition is refused), a
 * FrameTooLarge (the connection is closed). Anything else thrown is a finding.
 */
import { FrameTooLarge } from '../../src/server/frame-reader.js';
import { DecodeError } from '../../src/protocol/primitives/errors.js';
import { BatchError } from '../../src/protocol/record-batch.js';

export function expected(err: unknown): boolean {
  return err instanceof DecodeError || err instanceof RangeError || err instanceof BatchError || err instanceof FrameTooLarge;
}

export function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!expected(err)) throw err;
  }
}

/** A finding that is not an exception: an invariant the input broke. */
export class InvariantBroken extends Error {}
