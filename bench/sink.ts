/**
 * A Kafka "sink": the ceiling a produce benchmark can reach on this machine with Runnel's own
 * protocol code. It frames with src/server/frame-reader.ts, parses headers and bodies with the
 * generated codecs (src/protocol/header.ts readHeader, src/protocol/messages) and encodes responses
 * with encodeResponseChunks, exactly as src/server/dispatch.ts does, but it stores nothing and
 * validates nothing:
 *   - ApiVersions: the ranges Runnel advertises for ApiVersions, Metadata and Produce, nothing else;
 *   - Metadata: one broker (this listener, node 1), each requested topic with N partitions led by
 *     node 1 and a non-zero topic id derived from the name (a null topic list: every topic seen);
 *   - Produce: every partition NONE with an increasing fake base offset (the batch's record count
 *     read from its header, no CRC, no decoding); acks=0 gets no response.
 * Requests are answered synchronously, so responses leave in request order.
 *
 *   npx tsx bench/sink.ts [--port 0] [--host 127.0.0.1] [--partitions 1]
 * prints `sink listening on HOST:PORT` once bound and runs until SIGINT/SIGTERM.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { FrameReader } from '../src/server/frame-reader.js';
import { readHeader, encodeResponse, encodeResponseChunks, API_VERSIONS_KEY } from '../src/protocol/header.js';
import {
  apiCodecs,
  type ApiVersionsResponse,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
  type ProduceRequest,
  type ProduceResponse,
} from '../src/protocol/messages/index.js';
import { handlerRegistry } from '../src/handlers/index.js';
import { ErrorCode } from '../src/protocol/errors.js';

const PRODUCE = 0;
const METADATA = 3;
const SERVED = [PRODUCE, METADATA, API_VERSIONS_KEY];

export interface SinkOptions {
  host?: string;
  port?: number;
  /** Partitions of every topic (default 1). */
  partitions?: number;
  maxRequestSize?: number;
}

export interface Sink {
  host: string;
  port: number;
  /** Produce requests answered and record batches "accepted" so far. */
  stats: { requests: number; produceRequests: number; batches: number; records: number; bytes: number };
  close(): Promise<void>;
}

/** The version ranges Runnel advertises for the three APIs the sink serves (taken from its registry). */
function advertised(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
  return SERVED.map((k) => {
    const h = handlerRegistry.get(k)!;
    return { apiKey: k, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion };
  });
}

function topicIdOf(name: string): string {
  const h = createHash('md5').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function startSink(opts: SinkOptions = {}): Promise<Sink> {
  const partitions = opts.partitions ?? 1;
  const maxRequestSize = opts.maxRequestSize ?? 100 * 1024 * 1024;
  const apiKeys = advertised();
  const ranges = new Map(apiKeys.map((r) => [r.apiKey, r]));
  const topics = new Map<string, { id: string; next: number[] }>(); // name -> id, next offset per partition
  const byId = new Map<string, string>();
  const stats = { requests: 0, produceRequests: 0, batches: 0, records: 0, bytes: 0 };
  let port = 0;
  let host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();

  const topic = (name: string): { id: string; next: number[] } => {
    let t = topics.get(name);
    if (!t) {
      t = { id: topicIdOf(name), next: new Array(partitions).fill(0) };
      topics.set(name, t);
      byId.set(t.id, name);
    }
    return t;
  };

  const describe = (name: string): MetadataResponseTopic => {
    const t = topic(name);
    const ps = new Array(partitions);
    for (let i = 0; i < partitions; i++)
      ps[i] = { errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] };
    return { errorCode: 0, name, topicId: t.id, isInternal: false, partitions: ps, topicAuthorizedOperations: -2147483648 };
  };

  const apiVersionsBody = (errorCode: number): ApiVersionsResponse => ({
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  });

  /** One request frame to its response buffers (null: no response is due). */
  const answer = (frame: Buffer): Buffer[] | null => {
    stats.requests++;
    const { header, reader } = readHeader(frame);
    const key = header.requestApiKey;
    const version = header.requestApiVersion;
    const range = ranges.get(key);
    const codec = apiCodecs.get(key)!;
    if (!range || version < range.minVersion || version > range.maxVersion) {
      if (key === API_VERSIONS_KEY) return [encodeResponse(key, 0, header.correlationId, apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION), codec)];
      throw new Error(`sink: unsupported API key ${key} v${version}`);
    }
    const body = codec.readRequest(reader, version);
    let res: unknown;
    if (key === API_VERSIONS_KEY) {
      res = apiVersionsBody(0);
    } else if (key === METADATA) {
      const req = body as MetadataRequest;
      const list =
        req.topics === null || (version === 0 && req.topics.length === 0)
          ? [...topics.keys()].map(describe)
          : req.topics.map((t) => describe(t.name ?? byId.get(t.topicId) ?? t.topicId));
      res = {
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host, port, rack: null }],
        clusterId: 'runnel-bench-sink',
        controllerId: 1,
        topics: list,
        clusterAuthorizedOperations: -2147483648,
        errorCode: 0,
      } satisfies MetadataResponse;
    } else {
      const req = body as ProduceRequest;
      stats.produceRequests++;
      const responses = req.topicData.map((td) => {
        const t = topic(td.name || byId.get(td.topicId) || td.topicId);
        return {
          name: td.name,
          topicId: td.topicId,
          partitionResponses: td.partitionData.map((p) => {
            const rec = p.records;
            const count = rec !== null && rec.length >= 61 ? rec.readInt32BE(57) : 1;
            stats.batches++;
            stats.records += count;
            stats.bytes += rec?.length ?? 0;
            const base = t.next[p.index] ?? 0;
            t.next[p.index] = base + count;
            return {
              index: p.index,
              errorCode: 0,
              baseOffset: BigInt(base),
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
            };
          }),
        };
      });
      if (req.acks === 0) return null;
      res = { responses, throttleTimeMs: 0, nodeEndpoints: [] } satisfies ProduceResponse;
    }
    return encodeResponseChunks(key, version, header.correlationId, res, codec);
  };

  const accept = (socket: Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const frames = new FrameReader(maxRequestSize);
    socket.on('data', (chunk: Buffer) => {
      frames.push(chunk);
      let corked = false;
      try {
        for (let f = frames.next(); f; f = frames.next()) {
          const out = answer(f);
          if (!out) continue;
          if (!corked) {
            socket.cork();
            corked = true;
          }
          for (const b of out) socket.write(b);
        }
      } catch (err) {
        process.stderr.write(`sink: closing connection: ${(err as Error).message}\n`);
        socket.destroy();
      }
      if (corked) socket.uncork();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };

  const server: Server = createServer(accept);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 0 }, () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no TCP address'));
      port = addr.port;
      host = addr.address;
      resolve({
        host,
        port,
        stats,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const sink = await startSink({
    host: flag(argv, '--host') ?? '127.0.0.1',
    port: Number(flag(argv, '--port') ?? 0),
    partitions: Number(flag(argv, '--partitions') ?? 1),
  });
  process.stdout.write(`sink listening on ${sink.host}:${sink.port}\n`);
  const stop = (): void => {
    const s = sink.stats;
    process.stdout.write(`sink stopping: ${s.requests} requests, ${s.produceRequests} produce, ${s.batches} batches, ${s.records} records, ${s.bytes} bytes\n`);
    void sink.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
