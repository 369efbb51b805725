/**
 * The fixed-width primitives of the protocol, once: width in bytes and Buffer's big-endian reader
 * and writer. Reader and Writer each get one method per entry (reader.int32(), writer.int32(x)),
 * and the codegen sizes fields from the widths. Each method calls the Buffer method it was made
 * with, so calls stay as fast as hand-written ones (no closure or allocation per call).
 */
const B = Buffer.prototype;

export const FIXED_WIDTH = {
  int8: { size: 1, read: B.readInt8, write: B.writeInt8 },
  int16: { size: 2, read: B.readInt16BE, write: B.writeInt16BE },
  uint16: { size: 2, read: B.readUInt16BE, write: B.writeUInt16BE },
  int32: { size: 4, read: B.readInt32BE, write: B.writeInt32BE },
  uint32: { size: 4, read: B.readUInt32BE, write: B.writeUInt32BE },
  int64: { size: 8, read: B.readBigInt64BE, write: B.writeBigInt64BE },
  float64: { size: 8, read: B.readDoubleBE, write: B.writeDoubleBE },
} as const;

export type FixedName = keyof typeof FIXED_WIDTH;
type Value<K extends FixedName> = ReturnType<(typeof FIXED_WIDTH)[K]['read']>;

/** Reader's methods made from the table. */
export type FixedReads = { [K in FixedName]: () => Value<K> };
/** Writer's methods made from the table. */
export type FixedWrites = { [K in FixedName]: (v: Value<K>) => void };

/** The table's entries as the plain functions the methods are made from. */
export function fixedWidths(): [FixedName, number, (this: Buffer, offset: number) => number | bigint, (this: Buffer, v: never, offset: number) => number][] {
  return (Object.keys(FIXED_WIDTH) as FixedName[]).map((name) => {
    const f = FIXED_WIDTH[name];
    return [name, f.size, f.read, f.write as (this: Buffer, v: never, offset: number) => number];
  });
}
