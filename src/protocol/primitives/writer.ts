import type { RawTaggedField } from './reader.js';
import { fixedWidths, type FixedWrites } from './fixed-width.js';

/** Sizes of the variable-length encodings, used by the generated size functions (size first, then write once). */
export function uvarintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

export function varintSize(n: number): number {
  return uvarintSize(((n << 1) ^ (n >> 31)) >>> 0);
}

export function varlongSize(n: bigint): number {
  let u = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

export function stringSize(s: string | null, compact: boolean): number {
  if (s === null) return compact ? 1 : 2;
  const n = Buffer.byteLength(s, 'utf8');
  return (compact ? uvarintSize(n + 1) : 2) + n;
}

export function bytesSize(b: Buffer | null, compact: boolean): number {
  if (b === null) return compact ? 1 : 4;
  return (compact ? uvarintSize(b.length + 1) : 4) + b.length;
}

/**
 * Record sets at least this large are not copied into a response: the encoder leaves them out of
 * the buffer it fills and the connection writes them to the socket as they are (see Writer.chunks).
 */
export const ZERO_COPY_MIN = 4096;

/** Bytes of zero-copy record sets counted by the size pass in progress (see encodeChunks). */
let zeroCopyBytes = 0;

export function takeZeroCopyBytes(): number {
  const n = zeroCopyBytes;
  zeroCopyBytes = 0;
  return n;
}

export function recordsSize(b: Buffer | null, compact: boolean): number {
  if (b !== null && b.length >= ZERO_COPY_MIN) zeroCopyBytes += b.length;
  return bytesSize(b, compact);
}

export function arrayHeaderSize(n: number, compact: boolean): number {
  return compact ? uvarintSize(n + 1) : 4;
}

export function unknownTagsSize(fields: RawTaggedField[] | undefined): number {
  if (!fields) return 0;
  let size = 0;
  for (const f of fields) size += uvarintSize(f.tag) + uvarintSize(f.data.length) + f.data.length;
  return size;
}

// The fixed-width methods (int8(v) … float64(v)) come from the table in fixed-width.ts.
export interface Writer extends FixedWrites {}

/** Writes into a buffer sized exactly by the size pass; an overrun is a codegen bug, so Buffer's own range checks suffice. */
export class Writer {
  static {
    for (const [name, , , write] of fixedWidths()) {
      const method = function (this: Writer, v: never): void {
        this.pos = write.call(this.buf, v, this.pos);
      };
      Object.defineProperty(Writer.prototype, name, { value: method, writable: true, configurable: true });
    }
  }

  pos: number;
  /**
   * In zero-copy mode, the output as a list: slices of `buf` between large record sets, and the
   * record sets themselves. Undefined in the ordinary mode, where everything is copied into `buf`.
   */
  chunks?: Buffer[];
  private chunkStart = 0;

  constructor(readonly buf: Buffer, pos = 0) {
    this.pos = pos;
  }

  static zeroCopy(size: number): Writer {
    const w = new Writer(Buffer.allocUnsafe(size));
    w.chunks = [];
    return w;
  }

  /** The encoded message as buffers to write in order (zero-copy mode), or [buf]. */
  finish(): Buffer[] {
    if (!this.chunks) return [this.buf];
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    this.chunkStart = this.pos;
    return this.chunks;
  }

  records(b: Buffer | null, compact: boolean): void {
    if (!this.chunks || b === null || b.length < ZERO_COPY_MIN) return this.nullableBytes(b, compact);
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    this.chunks.push(this.buf.subarray(this.chunkStart, this.pos), b);
    this.chunkStart = this.pos;
  }

  static alloc(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  uvarint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  uuid(v: string): void {
    const hex = v.length === 36 ? v.replace(/-/g, '') : v;
    if (hex.length !== 32) throw new RangeError(`not a UUID: ${v}`);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
  }

  nullableString(s: string | null, compact: boolean): void {
    if (s === null) {
      if (compact) this.uvarint(0);
      else this.int16(-1);
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (compact) this.uvarint(n + 1);
    else this.int16(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  nullableBytes(b: Buffer | null, compact: boolean): void {
    if (b === null) {
      if (compact) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }

  raw(b: Buffer): void {
    this.pos += b.copy(this.buf, this.pos);
  }

  arrayLength(n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }
}
