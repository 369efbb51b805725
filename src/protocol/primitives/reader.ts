import { DecodeError } from './errors.js';
import { fixedWidths, type FixedReads } from './fixed-width.js';

export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

function present<T>(v: T | null, nullMessage: string): T {
  if (v === null) throw new DecodeError(nullMessage);
  return v;
}

// The fixed-width methods (int8() … float64()) come from the table in fixed-width.ts.
export interface Reader extends FixedReads {}

/**
 * Bounds-checked cursor over one frame. Byte fields are returned as views (subarray) of the frame,
 * never copied: record batches travel through the broker as the bytes the client sent.
 */
export class Reader {
  static {
    for (const [name, size, read] of fixedWidths()) {
      const method = function (this: Reader): number | bigint {
        return read.call(this.buf, this.need(size));
      };
      Object.defineProperty(Reader.prototype, name, { value: method, writable: true, configurable: true });
    }
  }

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

  /**
   * Moves past a string or bytes field and returns where its content starts (it ends at this.pos),
   * or -1 for null.
   */
  private content(compact: boolean, wide: boolean, what: string): number {
    const n = compact ? this.uvarint() - 1 : wide ? this.int32() : this.int16();
    if (n < -1) throw new DecodeError(`negative ${what} length ${n}`);
    return n === -1 ? -1 : this.need(n);
  }

  string(compact: boolean): string {
    return present(this.nullableString(compact), 'null in a non-nullable string');
  }

  nullableString(compact: boolean): string | null {
    const p = this.content(compact, false, 'string');
    return p < 0 ? null : this.buf.toString('utf8', p, this.pos);
  }

  bytes(compact: boolean): Buffer {
    return present(this.nullableBytes(compact), 'null in non-nullable bytes');
  }

  nullableBytes(compact: boolean): Buffer | null {
    const p = this.content(compact, true, 'bytes');
    return p < 0 ? null : this.buf.subarray(p, this.pos);
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
