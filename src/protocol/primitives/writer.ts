import type { RawTaggedField } from './reader.js';

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

export function arrayHeaderSize(n: number, compact: boolean): number {
  return compact ? uvarintSize(n + 1) : 4;
}

export function unknownTagsSize(fields: RawTaggedField[] | undefined): number {
  if (!fields) return 0;
  let size = 0;
  for (const f of fields) size += uvarintSize(f.tag) + uvarintSize(f.data.length) + f.data.length;
  return size;
}

/** Writes into a buffer sized exactly by the size pass; an overrun is a codegen bug, so Buffer's own range checks suffice. */
export class Writer {
  pos: number;

  constructor(readonly buf: Buffer, pos = 0) {
    this.pos = pos;
  }

  static alloc(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  int8(v: number): void {
    this.pos = this.buf.writeInt8(v, this.pos);
  }
  int16(v: number): void {
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }
  uint16(v: number): void {
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  int32(v: number): void {
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }
  uint32(v: number): void {
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }
  int64(v: bigint): void {
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }
  float64(v: number): void {
    this.pos = this.buf.writeDoubleBE(v, this.pos);
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
