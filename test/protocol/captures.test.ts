/**
 * Request frames recorded from real clients (../shared/captures) decode with Runnel's codecs,
 * consume the frame exactly, and re-encode to the same bytes.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readHeader, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/header.js';
import { apiCodecs } from '../../src/protocol/messages/index.js';
import { sizeRequestHeader, writeRequestHeader, readResponseHeader } from '../../src/protocol/messages/headers.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { DecodeError } from '../../src/protocol/primitives/errors.js';

const dir = join(import.meta.dirname, '../../../shared/captures');

/**
 * Responses in the captures came from librdkafka's mock cluster, not from Kafka; these ones are not
 * valid encodings and are only checked to be refused cleanly (a DecodeError, no crash).
 */
const MOCK_BROKEN: Record<string, string> = {
  'java/003-Metadata-v12.resp.bin': 'the mock writes one byte more than a Metadata v12 response holds',
  'java/006-Metadata-v12.resp.bin': 'the mock writes one byte more than a Metadata v12 response holds',
  'java/007-Metadata-v12.resp.bin': 'the mock writes one byte more than a Metadata v12 response holds',
  'platformatic/003-Metadata-v12.resp.bin': 'the mock writes one byte more than a Metadata v12 response holds',
  'platformatic/004-Metadata-v12.resp.bin': 'the mock writes one byte more than a Metadata v12 response holds',
  'java/025-LeaveGroup-v4.resp.bin': 'the mock encodes the non-nullable members array as null',
  'kafkajs/017-LeaveGroup-v3.resp.bin': 'the mock encodes the non-nullable members array as null (kafkajs failed on it too)',
  'kcat/001-ApiVersions-v3.resp.bin': "the mock's UNSUPPORTED_VERSION answer is truncated",
  'platformatic/001-ApiVersions-v3.resp.bin': "the mock's UNSUPPORTED_VERSION answer is truncated",
};

interface Frame {
  api_key: number;
  api_version: number;
  api_name: string;
  request_file: string;
  response_file?: string;
  response_from_mock?: boolean;
}

describe.skipIf(!existsSync(dir))('captured client frames', () => {
  const clients = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'index.json'))) : [];
  for (const client of clients) {
    const frames = JSON.parse(readFileSync(join(dir, client, 'index.json'), 'utf8')) as Frame[];
    for (const f of frames) {
      it(`${client} ${f.request_file}`, () => {
        const bytes = readFileSync(join(dir, client, f.request_file));
        const { header, reader, codec } = readHeader(bytes);
        expect(codec, `codec for key ${f.api_key}`).toBeDefined();
        expect(header.requestApiKey).toBe(f.api_key);
        const body = codec!.readRequest(reader, f.api_version);
        expect(reader.pos, 'request consumed exactly').toBe(bytes.length);
        const hv = requestHeaderVersion(codec, f.api_version);
        const w = Writer.alloc(sizeRequestHeader(header, hv) + codec!.sizeRequest(body, f.api_version));
        writeRequestHeader(w, header, hv);
        codec!.writeRequest(w, body, f.api_version);
        expect(w.buf.equals(bytes), 're-encoded request is byte-identical').toBe(true);
      });
      if (f.response_file && existsSync(join(dir, client, f.response_file))) {
        it(`${client} ${f.response_file} decodes`, () => {
          const bytes = readFileSync(join(dir, client, f.response_file!));
          const codec = apiCodecs.get(f.api_key)!;
          const r = new Reader(bytes);
          readResponseHeader(r, responseHeaderVersion(f.api_key, f.api_version));
          // An UNSUPPORTED_VERSION answer to ApiVersions is in the v0 layout whatever was asked.
          const v = f.api_key === 18 && bytes.readInt16BE(4) === 35 ? 0 : f.api_version;
          const broken = MOCK_BROKEN[`${client}/${f.response_file}`];
          if (broken) {
            expect(() => {
              codec.readResponse(r, v);
              if (r.pos !== bytes.length) throw new DecodeError('trailing bytes');
            }, broken).toThrow(DecodeError);
            return;
          }
          codec.readResponse(r, v);
          expect(r.pos).toBe(bytes.length);
        });
      }
    }
  }
});
