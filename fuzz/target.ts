/**
 * The coverage-guided fuzz target (Jazzer.js, fuzz/run.ts): request framing, every generated
 * request decoder at every version, and record-batch validation down to the records.
 *
 * The first byte picks what the rest is fed to. A decoder may refuse input only as the broker
 * expects (DecodeError or RangeError: the connection is closed; BatchError: the batch is refused;
 * FrameTooLarge): any other exception is a finding, and so is a hang (Jazzer's timeout).
 */
import { FrameReader, FrameTooLarge } from '../src/server/frame-reader.js';
import { readHeader } from '../src/protocol/header.js';
import { apiCodecList, apiCodecs } from '../src/protocol/messages/index.js';
import { DecodeError } from '../src/protocol/primitives/errors.js';
import { BatchError, BATCH_HEADER_SIZE, isIntactBatch, validateProducedBatch } from '../src/protocol/record-batch.js';
import { checkRecords, lookInside } from '../src/protocol/record-validation.js';
import { decodeRecords } from '../src/protocol/records.js';

const MAX_FRAME = 1024 * 1024;

function expected(err: unknown): boolean {
  return err instanceof DecodeError || err instanceof RangeError || err instanceof BatchError || err instanceof FrameTooLarge;
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!expected(err)) throw err;
  }
}

/** A whole request frame (header and body), as the connection hands it to dispatch. */
function decodeFrame(frame: Buffer): void {
  guard(() => {
    const { header, reader, codec } = readHeader(frame);
    if (codec && header.requestApiVersion >= codec.minVersion && header.requestApiVersion <= codec.maxVersion) codec.readRequest(reader, header.requestApiVersion);
  });
}

/** Bytes arriving in pieces: the frame reader must find the same frames whatever the cut. */
function framing(data: Buffer): void {
  const reader = new FrameReader(MAX_FRAME);
  let pos = 0;
  let step = 1;
  while (pos < data.length) {
    const n = Math.min(data.length - pos, 1 + (data[pos] % 64) * step);
    reader.push(data.subarray(pos, pos + n));
    pos += n;
    step = step === 1 ? 7 : 1;
    for (;;) {
      let frame: Buffer | undefined;
      try {
        frame = reader.next();
      } catch (err) {
        if (!expected(err)) throw err;
        return;
      }
      if (!frame) break;
      decodeFrame(frame);
    }
  }
}

/** One API and version chosen by two bytes, then a valid header and the rest as the body: reaches deep into each decoder. */
function requestBody(data: Buffer): void {
  if (data.length < 2) return;
  const codec = apiCodecList[data[0] % apiCodecList.length];
  const version = codec.minVersion + (data[1] % (codec.maxVersion - codec.minVersion + 1));
  const flexible = codec.flexibleMin >= 0 && version >= codec.flexibleMin;
  // api_key, api_version, correlation_id, client_id (null), and an empty tagged-field section when flexible.
  const head = Buffer.alloc(flexible ? 11 : 10);
  head.writeInt16BE(codec.key, 0);
  head.writeInt16BE(version, 2);
  head.writeInt32BE(1, 4);
  head.writeInt16BE(-1, 8);
  if (!apiCodecs.has(codec.key)) return;
  decodeFrame(Buffer.concat([head, data.subarray(2)]));
}

/** A produced batch: the header checks, then the record-by-record walk Produce makes. */
function batch(data: Buffer): void {
  guard(() => {
    isIntactBatch(data, 0);
    const info = validateProducedBatch(data);
    const rules = { partition: 'fuzz-0', compacted: (data[0] & 1) === 1, createTime: true, now: 1_700_000_000_000, beforeMaxMs: Infinity, afterMaxMs: Infinity };
    // Compressed records are decompressed first (asynchronously) in Produce; here uncompressed ones are walked.
    if ((info.attributes & 7) !== 0) return;
    if (lookInside(info, rules)) checkRecords(data.subarray(BATCH_HEADER_SIZE, info.size), info, rules);
    decodeRecords(data.subarray(BATCH_HEADER_SIZE, info.size), 0n, 0n, Math.min(info.recordCount, 10_000));
  });
}

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const rest = data.subarray(1);
  switch (data[0] % 3) {
    case 0:
      return framing(rest);
    case 1:
      return requestBody(rest);
    default:
      return batch(rest);
  }
}
