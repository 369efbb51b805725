/** Builds byte vectors by hand from Kafka's documented primitive layout (independent of the codecs under test). */
export const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
export const i8 = (n: number): Buffer => Buffer.from([n & 0xff]);
export function i16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
export function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
export function i64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}
export function uv(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
export const str = (s: string): Buffer => cat(i16(Buffer.byteLength(s)), Buffer.from(s));
export const nstr = (s: string | null): Buffer => (s === null ? i16(-1) : str(s));
export const bytes = (b: Buffer): Buffer => cat(i32(b.length), b);
export const arr = (items: Buffer[]): Buffer => cat(i32(items.length), ...items);
export const cstr = (s: string): Buffer => cat(uv(Buffer.byteLength(s) + 1), Buffer.from(s));
export const cnstr = (s: string | null): Buffer => (s === null ? uv(0) : cstr(s));
export const cbytes = (b: Buffer): Buffer => cat(uv(b.length + 1), b);
export const carr = (items: Buffer[]): Buffer => cat(uv(items.length + 1), ...items);
export const uuid = (s: string): Buffer => Buffer.from(s.replace(/-/g, ''), 'hex');
/** A tagged-field section: count, then tag, size, data each. */
export const tags = (list: Array<[number, Buffer]> = []): Buffer => cat(uv(list.length), ...list.map(([t, d]) => cat(uv(t), uv(d.length), d)));

/** A tiny reader for the non-flexible layout, as Kafka's formatters decode keys and values. */
export class PlainReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  i8(): number {
    return this.buf.readInt8(this.pos++);
  }
  i16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  nstr(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  str(): string {
    const s = this.nstr();
    if (s === null) throw new Error('null string');
    return s;
  }
  bytes(): Buffer {
    const n = this.i32();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
