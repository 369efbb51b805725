import { DecodeError } from './errors.js';

export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

/**
 * Bounds-checked cursor over one frame. Byte fields are returned as views (subarray) of the frame,
 * never copied: record batches travel through the broker as the bytes the client sent.
 */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(readonly buf: Buffer, pos = 0, end = buf.length) {
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw new DecodeError(`need ${n} bytes at ${p}, frame ends at ${this.end}`);
    this.pos = p + n;
    return p;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new DecodeError('unsigned varint overflows 32 bits');
        return result;
      }
      shift += 7;
    }
    throw new DecodeError('unsigned varint longer than 5 bytes');
  }

  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.need(1)];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  uuid(): string {
    const p = this.need(16);
    const h = this.buf.toString('hex', p, p + 16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Length of a string or bytes field; -1 means null. */
  private length(compact: boolean, wide: boolean): number {
    if (compact) return this.uvarint() - 1;
    return wide ? this.int32() : this.int16();
  }

  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s === null) throw new DecodeError('null in a non-nullable string');
    return s;
  }

  nullableString(compact: boolean): string | null {
    const n = this.length(compact, false);
    if (n < -1) throw new DecodeError(`negative string length ${n}`);
    if (n === -1) return null;
    const p = this.need(n);
    return this.buf.toString('utf8', p, p + n);
  }

  bytes(compact: boolean): Buffer {
    const b = this.nullableBytes(compact);
    if (b === null) throw new DecodeError('null in non-nullable bytes');
    return b;
  }

  nullableBytes(compact: boolean): Buffer | null {
    const n = this.length(compact, true);
    if (n < -1) throw new DecodeError(`negative bytes length ${n}`);
    if (n === -1) return null;
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }

  /** Array element count; -1 means null. A count that cannot fit in what is left is refused before any allocation. */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new DecodeError(`negative array length ${n}`);
    if (n > this.remaining) throw new DecodeError(`array of ${n} elements in ${this.remaining} bytes`);
    return n;
  }

  /** Reads one tagged-field section, handing known tags to `known` and keeping the others. */
  taggedFields(known: (tag: number, r: Reader) => boolean): RawTaggedField[] | undefined {
    const count = this.uvarint();
    if (count > this.remaining) throw new DecodeError(`${count} tagged fields in ${this.remaining} bytes`);
    let unknown: RawTaggedField[] | undefined;
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new DecodeError(`tagged fields out of order (${tag} after ${last})`);
      last = tag;
      const size = this.uvarint();
      const start = this.need(size);
      const sub = new Reader(this.buf, start, start + size);
      if (known(tag, sub)) {
        if (sub.pos !== sub.end) throw new DecodeError(`tagged field ${tag} has ${sub.end - sub.pos} trailing bytes`);
      } else {
        (unknown ??= []).push({ tag, data: this.buf.subarray(start, start + size) });
      }
    }
    return unknown;
  }
}
