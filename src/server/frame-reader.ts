/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload) without concatenating the
 * stream: chunks are kept as a list, a frame inside one chunk is a subarray of it, and only a frame
 * that straddles chunks is copied once into a buffer of its exact size. The size prefix is checked
 * before anything is buffered for the frame, so an oversize request is refused from its first bytes.
 */
export class FrameTooLarge extends Error {
  constructor(readonly size: number, readonly max: number, limit = 'socket.request.max.bytes') {
    super(`request of ${size} bytes exceeds ${limit} (${max})`);
  }
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private head = 0; // read position in chunks[0]
  private buffered = 0;

  /** Which key sets the current limit, for the error message. */
  private limitName = 'socket.request.max.bytes';

  constructor(private maxFrameSize: number) {}

  /** Changes the limit for the frames not yet read (a SASL connection has a smaller one until authenticated). */
  setMaxFrameSize(max: number, limitName: string): void {
    this.maxFrameSize = max;
    this.limitName = limitName;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame (without its size prefix), or undefined if more bytes are needed. */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    const size = this.peekInt32();
    if (size < 0 || size > this.maxFrameSize) throw new FrameTooLarge(size, this.maxFrameSize, this.limitName);
    if (this.buffered < 4 + size) return undefined;
    this.skip(4);
    return this.take(size);
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length - this.head >= 4) return first.readInt32BE(this.head);
    const tmp = Buffer.allocUnsafe(4);
    this.copyOut(tmp, 4, false);
    return tmp.readInt32BE(0);
  }

  private skip(n: number): void {
    while (n > 0) {
      const first = this.chunks[0];
      const avail = first.length - this.head;
      if (avail > n) {
        this.head += n;
        this.buffered -= n;
        return;
      }
      n -= avail;
      this.buffered -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length - this.head >= n) {
      const frame = first.subarray(this.head, this.head + n);
      this.skip(n);
      return frame;
    }
    const frame = Buffer.allocUnsafe(n);
    this.copyOut(frame, n, true);
    return frame;
  }

  /** Copies n bytes from the front into dst, consuming them when `consume` is set. */
  private copyOut(dst: Buffer, n: number, consume: boolean): void {
    let written = 0;
    let i = 0;
    let head = this.head;
    while (written < n) {
      const c = this.chunks[i];
      const take = Math.min(n - written, c.length - head);
      c.copy(dst, written, head, head + take);
      written += take;
      head = 0;
      i++;
    }
    if (consume) this.skip(n);
  }
}
