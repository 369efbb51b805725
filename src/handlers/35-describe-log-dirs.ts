/**
 * DescribeLogDirs (key 35), v0–v4.
 *
 * Every log dir (log.dirs) with the partitions it holds: a null topic list means all, otherwise
 * the partitions asked for that exist (others are left out, and repeats are described once, as in
 * Kafka). Each partition has its
 * size on disk, offset lag 0 (one replica) and isFuture false (no moves between dirs). v3+ has a
 * top-level error (NONE); v4 the dir's total and usable bytes from statfs (-1 if that fails).
 * Needs DESCRIBE on the cluster (no results and, v3+, CLUSTER_AUTHORIZATION_FAILED).
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse, DescribeLogDirsResponseDescribeLogDirsTopic } from '../protocol/messages/index.js';
import { DescribeLogDirsRequestMeta } from '../protocol/messages/index.js';
import { ErrorCode } from '../protocol/errors.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import { defineHandler, type HandlerContext } from './types.js';
import { AclOp, clusterDenied } from './common/authz.js';

/** The partitions asked for, by topic, in the order asked. */
function selected(req: DescribeLogDirsRequest, ctx: HandlerContext): Array<[string, PartitionHandle[]]> {
  const { topics, partitions } = ctx.broker;
  if (req.topics === null) return topics.list().map((t) => [t.name, partitions.partitions(t.name)]);
  // A set of partitions, as in Kafka: a topic or partition named twice is described once.
  const asked = new Map<string, Set<number>>();
  for (const t of req.topics) {
    const set = asked.get(t.topic) ?? new Set<number>();
    for (const i of t.partitions) set.add(i);
    asked.set(t.topic, set);
  }
  const out: Array<[string, PartitionHandle[]]> = [];
  for (const [name, indexes] of asked) {
    if (!topics.get(name)) continue;
    // Listed whether or not they are online, as with a null topic list.
    const hosted = new Map(partitions.partitions(name).map((p) => [p.partition, p]));
    out.push([name, [...indexes].map((i) => hosted.get(i)).filter((p): p is PartitionHandle => p !== undefined)]);
  }
  return out;
}

async function space(dir: string): Promise<{ totalBytes: bigint; usableBytes: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

export default defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>(DescribeLogDirsRequestMeta, {
  async handle(req, ctx) {
    // DESCRIBE on the cluster; without it no dirs and (v3+) CLUSTER_AUTHORIZATION_FAILED, as Kafka.
    const denied = clusterDenied(ctx, AclOp.DESCRIBE);
    if (denied) return { throttleTimeMs: 0, errorCode: denied, results: [] };
    const wanted = selected(req, ctx);
    const results = [];
    for (const dir of ctx.broker.config.logDirs) {
      const topics: DescribeLogDirsResponseDescribeLogDirsTopic[] = [];
      for (const [name, ps] of wanted) {
        const here = ps.filter((p) => p.dir !== undefined && resolve(dirname(p.dir)) === dir);
        if (here.length === 0) continue;
        topics.push({
          name,
          partitions: here.map((p) => ({ partitionIndex: p.partition, partitionSize: BigInt(p.size), offsetLag: 0n, isFutureKey: false })),
        });
      }
      const sizes = ctx.apiVersion >= 4 ? await space(dir) : { totalBytes: -1n, usableBytes: -1n };
      results.push({ errorCode: ErrorCode.NONE, logDir: dir, topics, ...sizes });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
});
