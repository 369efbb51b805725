/**
 * The records of an uncompressed records section as byte spans, for the cleaner: it needs each
 * record's key, whether it is a tombstone and where it starts and ends, so that the records it
 * keeps are copied as they are (their offset and timestamp deltas stay valid, as the batch keeps
 * its base offset and base timestamp) instead of being decoded and encoded again.
 */
import { DecodeError } from '../protocol/primitives/errors.js';

export interface RecordSpan {
  start: number;
  end: number;
  offsetDelta: number;
  /** A view into the section, or null. */
  key: Buffer | null;
  tombstone: boolean;
}

/** Yields one span object, updated in place for every record (copy what must outlive a step). */
export function* recordSpans(section: Buffer, count: number): Generator<RecordSpan> {
  const span: RecordSpan = { start: 0, end: 0, offsetDelta: 0, key: null, tombstone: false };
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (pos >= section.length) throw new DecodeError('record runs past the batch');
      const b = section[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return (result % 2 === 1 ? -(result + 1) / 2 : result / 2);
      shift += 7;
    }
    throw new DecodeError('varint longer than 5 bytes');
  };
  for (let i = 0; i < count; i++) {
    span.start = pos;
    const len = varint();
    const end = pos + len;
    if (len < 0 || end > section.length) throw new DecodeError('record length runs past the batch');
    pos++; // attributes
    // timestampDelta (varlong): only skipped
    let n = 0;
    while (pos < end && section[pos] & 0x80 && n++ < 10) pos++;
    pos++;
    span.offsetDelta = varint();
    const kl = varint();
    if (kl >= 0 && pos + kl > end) throw new DecodeError('record key runs past the record');
    span.key = kl < 0 ? null : section.subarray(pos, pos + kl);
    if (kl > 0) pos += kl;
    span.tombstone = varint() < 0;
    span.end = pos = end;
    yield span;
  }
}
