/**
 * Request framing (src/server/frame-reader.ts): the bytes arrive in pieces cut where the input
 * says, every complete frame is decoded as dispatch does, and the frames found must be the same
 * whatever the cuts (compared with the bytes pushed in one piece).
 */
import { FrameReader } from '../../src/server/frame-reader.js';
import { expected, InvariantBroken } from './expected.js';
import { decodeFrame } from './decoders.js';

const MAX_FRAME = 1024 * 1024;

/** The frames a reader finds in `pieces`, and whether it refused the stream (FrameTooLarge). */
function frames(pieces: Buffer[]): { found: Buffer[]; refused: boolean } {
  const reader = new FrameReader(MAX_FRAME);
  const found: Buffer[] = [];
  for (const piece of pieces) {
    reader.push(piece);
    for (;;) {
      let frame: Buffer | undefined;
      try {
        frame = reader.next();
      } catch (err) {
        if (!expected(err)) throw err;
        return { found, refused: true };
      }
      if (!frame) break;
      found.push(Buffer.from(frame));
    }
  }
  return { found, refused: false };
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  // The first byte sets the cut sizes: 1..16 bytes, alternating with a 7-times larger step.
  const unit = 1 + (data[0] & 15);
  const rest = data.subarray(1);
  const pieces: Buffer[] = [];
  for (let pos = 0, big = false; pos < rest.length; big = !big) {
    const n = Math.min(rest.length - pos, big ? unit * 7 : unit);
    pieces.push(rest.subarray(pos, pos + n));
    pos += n;
  }
  const cut = frames(pieces);
  const whole = frames([rest]);
  if (cut.refused !== whole.refused || cut.found.length !== whole.found.length || cut.found.some((f, i) => !f.equals(whole.found[i])))
    throw new InvariantBroken(`frames differ with cuts of ${unit}: ${cut.found.length} vs ${whole.found.length} (refused ${cut.refused}/${whole.refused})`);
  for (const frame of cut.found) decodeFrame(frame);
}
