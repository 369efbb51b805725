/**
 * The cleaner's key → latest offset map, as Kafka's SkimpyOffsetMap: a key is stood for by its MD5
 * digest (16 bytes) next to its offset (8 bytes), 24 bytes a slot in flat typed arrays, so that a
 * map of millions of keys is two allocations rather than millions of strings. Collisions of slot
 * positions are resolved by linear probing; two keys with the same digest are taken to be the same
 * key (the odds are 2^-128, as in Kafka).
 *
 * Bounded by `maxBytes` (log.cleaner.dedupe.buffer.size) and filled up to `loadFactor` of its
 * slots (log.cleaner.io.buffer.load.factor); a put that would go past that is refused, which is
 * what tells the cleaner to stop mapping and clean what it has (a pass). Unlike Kafka the arrays
 * start small and grow by rehashing the stored digests, so a broker whose compacted topics hold
 * few keys never allocates the whole buffer.
 */
import { hash } from 'node:crypto';

export const BYTES_PER_ENTRY = 24;
const INITIAL_SLOTS = 4096;

export type Digest = (key: Buffer) => Buffer;

const md5: Digest = (key) => hash('md5', key, 'buffer') as unknown as Buffer;

export class OffsetMap {
  /** Slots the whole buffer holds. */
  readonly maxSlots: number;
  /** Entries the map takes before it is full. */
  readonly capacity: number;
  private slots: number;
  /** Four int32 words of the digest per slot. */
  private words: Int32Array;
  /** Offset per slot, -1 when the slot is free. */
  private offsets: Float64Array;
  private count = 0;
  /** Largest offset mapped so far (-1: none): the end of the section this map covers. */
  latestOffset = -1;

  constructor(
    readonly maxBytes: number,
    readonly loadFactor = 0.9,
    private readonly digest: Digest = md5,
  ) {
    if (!(loadFactor > 0 && loadFactor <= 1)) throw new Error(`offset map load factor must be in (0, 1], not ${loadFactor}`);
    this.maxSlots = Math.max(2, Math.floor(maxBytes / BYTES_PER_ENTRY));
    this.capacity = Math.max(1, Math.min(this.maxSlots - 1, Math.floor(this.maxSlots * loadFactor)));
    this.slots = Math.min(this.maxSlots, INITIAL_SLOTS);
    this.words = new Int32Array(this.slots * 4);
    this.offsets = new Float64Array(this.slots).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Bytes currently allocated (at most maxBytes, give or take a slot). */
  get allocatedBytes(): number {
    return this.slots * BYTES_PER_ENTRY;
  }

  clear(): void {
    this.offsets.fill(-1);
    this.count = 0;
    this.latestOffset = -1;
  }

  /** Records `offset` as the latest of `key`; false (nothing stored) when a new key finds the map full. */
  put(key: Buffer, offset: number): boolean {
    const d = this.digest(key);
    const w0 = d.readInt32LE(0);
    const w1 = d.readInt32LE(4);
    const w2 = d.readInt32LE(8);
    const w3 = d.readInt32LE(12);
    let i = this.find(w0, w1, w2, w3);
    if (this.offsets[i] < 0) {
      if (this.count >= this.capacity) return false;
      if (this.count + 1 > this.slots * this.loadFactor && this.slots < this.maxSlots) {
        this.grow();
        i = this.find(w0, w1, w2, w3);
      }
      this.words[i * 4] = w0;
      this.words[i * 4 + 1] = w1;
      this.words[i * 4 + 2] = w2;
      this.words[i * 4 + 3] = w3;
      this.count++;
    }
    this.offsets[i] = offset;
    if (offset > this.latestOffset) this.latestOffset = offset;
    return true;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Buffer): number {
    const d = this.digest(key);
    return this.offsets[this.find(d.readInt32LE(0), d.readInt32LE(4), d.readInt32LE(8), d.readInt32LE(12))];
  }

  /** The slot holding this digest, or the free slot where it would go. */
  private find(w0: number, w1: number, w2: number, w3: number): number {
    const words = this.words;
    let i = (w0 >>> 0) % this.slots;
    for (;;) {
      if (this.offsets[i] < 0) return i;
      const b = i * 4;
      if (words[b] === w0 && words[b + 1] === w1 && words[b + 2] === w2 && words[b + 3] === w3) return i;
      i = i + 1 === this.slots ? 0 : i + 1;
    }
  }

  private grow(): void {
    const oldWords = this.words;
    const oldOffsets = this.offsets;
    const oldSlots = this.slots;
    this.slots = Math.min(this.maxSlots, oldSlots * 4);
    this.words = new Int32Array(this.slots * 4);
    this.offsets = new Float64Array(this.slots).fill(-1);
    for (let s = 0; s < oldSlots; s++) {
      if (oldOffsets[s] < 0) continue;
      const b = s * 4;
      const i = this.find(oldWords[b], oldWords[b + 1], oldWords[b + 2], oldWords[b + 3]);
      this.words.set(oldWords.subarray(b, b + 4), i * 4);
      this.offsets[i] = oldOffsets[s];
    }
  }
}
