/**
 * Version-prefixed encoding, as Kafka's MessageUtil.toVersionPrefixedBytes: an int16 version and
 * then the message in that version. Internal-topic keys and values (coordinator records) and the
 * embedded consumer protocol use it; the codecs are the generated ones.
 */
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

export interface Codec<T> {
  read(r: Reader, v: number): T;
  size(m: T, v: number): number;
  write(w: Writer, m: T, v: number): void;
}

export function codec<T>(read: Codec<T>['read'], size: Codec<T>['size'], write: Codec<T>['write']): Codec<T> {
  return { read, size, write };
}

export function toVersioned<T>(c: Codec<T>, version: number, m: T): Buffer {
  const w = Writer.alloc(2 + c.size(m, version));
  w.int16(version);
  c.write(w, m, version);
  return w.buf;
}

/** The int16 version a version-prefixed buffer starts with (-1 when it is too short). */
export function versionOf(b: Buffer): number {
  return b.length < 2 ? -1 : b.readInt16BE(0);
}

export function fromVersioned<T>(c: Codec<T>, b: Buffer, version = versionOf(b)): T {
  return c.read(new Reader(b, 2), version);
}
