/**
 * The console's JSON API under /api/. Reads come from BrokerServices ports (metadata image,
 * partition handles) and the handlers (ConsoleAdmin); every change goes through a handler. Input is
 * checked here and refused with a 4xx; a handler's refusal is a 4xx with Kafka's error name.
 * Partitions another broker leads are read from that leader (remote.ts ClusterLink) once the
 * user's permission was checked here, as for local reads.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrokerServices } from '../handlers/types.js';
import { createBatch } from '../protocol/records.js';
import { murmur2, toPositive } from '../client/murmur2.js';
import { AdminError, type ConsoleAdmin } from './admin.js';
import { visibleSample, type LagSample, type LagTracker, type PartitionLag } from './lag.js';
import type { TrafficMeter } from './meter.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOp, ResourceType, type AclOpCode, type ResourceTypeCode } from '../ports/authorizer.js';
import { principalOf } from '../security/principal.js';
import { readBackward, readForward, startOffset, textFilter, volumeTimeline, type ConsoleRecord, type RecordSource } from './records.js';
import { partitionKey, RemoteError, type ClusterLink, type PartitionRef } from './remote.js';

/** Refused input: answered with `status` and the message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiContext {
  broker: BrokerServices;
  admin: ConsoleAdmin;
  meter: TrafficMeter;
  lag: LagTracker;
  /** The other brokers: partitions this broker does not lead are read from their leaders. */
  link: ClusterLink;
  readOnly: boolean;
  /** The logged-in user (principal User:<name>) when the broker authenticates; undefined: ANONYMOUS. */
  principal?: string;
  /** The browser's address, as the authorizer's host. */
  remoteAddress?: string;
}

/**
 * Whether the console's user may do `op` on a topic: for what the console reads straight from the
 * broker's ports (topic list, records) rather than through a handler, the same check a Fetch or
 * Metadata handler makes.
 */
export function mayOnTopic(ctx: ApiContext, op: AclOpCode, topic: string, logIfDenied = true): boolean {
  return mayOn(ctx, op, ResourceType.TOPIC, topic, logIfDenied);
}

/** mayOnTopic(DESCRIBE) asked once per topic (for filtering many partitions), without logging denials. */
export function topicDescriber(ctx: ApiContext): ((topic: string) => boolean) | undefined {
  if (!ctx.broker.authorizer.enabled) return undefined;
  const seen = new Map<string, boolean>();
  return (topic) => {
    let ok = seen.get(topic);
    if (ok === undefined) seen.set(topic, (ok = mayOnTopic(ctx, AclOp.DESCRIBE, topic, false)));
    return ok;
  };
}

/** A group's lag history as the request's user may see it (its topics filtered by DESCRIBE). */
export function visibleHistory(ctx: ApiContext, samples: LagSample[]): LagSample[] {
  const may = topicDescriber(ctx);
  return may ? samples.map((s) => visibleSample(s, may)) : samples;
}

export function mayOn(ctx: ApiContext, op: AclOpCode, type: ResourceTypeCode, name: string, logIfDenied = true): boolean {
  const a = ctx.broker.authorizer;
  return !a.enabled || a.authorize({ principal: principalOf({ principal: ctx.principal }), host: ctx.remoteAddress ?? '127.0.0.1' }, op, type, name, logIfDenied);
}

const MAX_BODY = 1024 * 1024;
const MAX_PAGE = 500;

type Json = unknown;
type Route = { method: string; pattern: RegExp; run: (ctx: ApiContext, m: string[], q: URLSearchParams, body: () => Promise<Record<string, unknown>>) => Promise<Json> };

const routes: Route[] = [];
export function route(method: string, path: string, run: Route['run']): void {
  routes.push({ method, pattern: new RegExp(`^${path.replace(/:[a-z]+/g, '([^/]+)')}$`), run });
}

/** Answers an /api/ request; never throws. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const path = url.pathname.slice('/api'.length) || '/';
    const method = req.method ?? 'GET';
    let matched = false;
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      matched = true;
      if (r.method !== method) continue;
      if (method !== 'GET' && ctx.readOnly) throw new HttpError(403, 'the console is read-only (runnel.console.read.only)');
      if (method !== 'GET') checkChangeRequest(req);
      const params = m.slice(1).map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new HttpError(400, 'bad escape in path');
        }
      });
      const result = await r.run(ctx, params, url.searchParams, () => readJson(req));
      send(res, method === 'POST' ? 201 : 200, result ?? { ok: true });
      return;
    }
    throw new HttpError(matched ? 405 : 404, matched ? `${method} is not allowed here` : 'no such API');
  } catch (err) {
    if (err instanceof HttpError) send(res, err.status, { error: err.message });
    else if (err instanceof AdminError) send(res, err.status, { error: err.message, code: err.code });
    // Another broker did not answer, or no longer leads what it was asked (leadership moved): try again.
    else if (err instanceof RemoteError) send(res, 503, { error: err.message, code: err.code });
    else {
      ctx.broker.log.warn({ err, url: url.pathname }, 'console: API request failed');
      send(res, 500, { error: (err as Error).message });
    }
  }
}

/**
 * A change must come from the console's own page: a browser's request from another site carries
 * that site's Origin, and a JSON content type cannot be sent cross-site without a CORS preflight,
 * which is never granted. Clients other than browsers (curl, scripts) send no Origin.
 */
export function checkChangeRequest(req: IncomingMessage): void {
  if (!sameOrigin(req)) throw new HttpError(403, 'cross-site requests are refused');
  const type = req.headers['content-type'];
  if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' && !/^application\/json\b/i.test(type ?? ''))
    throw new HttpError(415, 'send the body as application/json');
}

/** Whether the request has no Origin (not a browser) or the console's own. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function send(res: ServerResponse, status: number, body: Json): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(new HttpError(400, 'the body must be a JSON object'));
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'the body is not valid JSON'));
      }
    });
  });
}

// ---- input checks

export function int(v: unknown, name: string, min = -Infinity, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}`);
  return n;
}

function optInt(v: unknown, name: string, min?: number, max?: number): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : int(v, name, min, max);
}

export function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${name} must be a non-empty string`);
  return v;
}

function optStr(v: unknown, name: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new HttpError(400, `${name} must be a string`);
  return v;
}

function stringMap(v: unknown, name: string, nulls = false): Record<string, string | null> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `${name} must be an object of strings`);
  const out: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || (nulls && x === null)) out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else throw new HttpError(400, `${name}.${k} must be a string${nulls ? ' or null' : ''}`);
  }
  return out;
}

function topicOf(ctx: ApiContext, name: string, op: AclOpCode = AclOp.DESCRIBE) {
  const t = ctx.broker.metadata.image().topic(name);
  if (!t) throw new HttpError(404, `no topic '${name}'`);
  if (!mayOnTopic(ctx, op, name)) throw new AdminError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not allowed to ${op === AclOp.READ ? 'read' : 'describe'} topic '${name}'`, 403);
  return t;
}

/** The partitions to read records of, here or on their leaders (the caller checked the user's permission); 503 when one cannot be read anywhere now. */
async function sourcesOf(ctx: ApiContext, topic: string, partitions: number[]): Promise<Map<number, RecordSource>> {
  const found = await ctx.link.sources(topic, partitions);
  for (const p of partitions) {
    if (found.has(p)) continue;
    if (!ctx.broker.metadata.image().partition(topic, p)) throw new HttpError(404, `no partition ${topic}-${p}`);
    const leader = ctx.link.leaderOf(topic, p);
    throw new HttpError(503, leader < 0 ? `${topic}-${p} has no leader now` : `${topic}-${p} cannot be read from its leader, broker ${leader}`);
  }
  return found;
}

/**
 * Log start, end and size of partitions: this broker's handles where it leads them, the leaders'
 * answers (ListOffsets, DescribeLogDirs; one request of each per leader) for the others; a
 * partition whose leader does not answer has none.
 */
async function partitionStats(ctx: ApiContext, parts: PartitionRef[]): Promise<Map<string, { logStart: number; end: number; size: number | null }>> {
  const out = new Map<string, { logStart: number; end: number; size: number | null }>();
  const remote: PartitionRef[] = [];
  for (const r of parts) {
    const h = ctx.link.local(r.topic, r.partition);
    if (h) out.set(partitionKey(r.topic, r.partition), { logStart: h.logStartOffset, end: h.highWatermark, size: h.size });
    else remote.push(r);
  }
  if (remote.length === 0) return out;
  const [offsets, sizes] = await Promise.all([ctx.link.offsets(remote), ctx.link.sizes(remote)]);
  for (const [k, o] of offsets) out.set(k, { ...o, size: sizes.get(k) ?? null });
  return out;
}

// ---- overview

route('GET', '/overview', async (ctx) => {
  const image = ctx.broker.metadata.image();
  let partitions = 0;
  let underReplicated = 0;
  let offline = 0;
  const topics = image.topics().filter((t) => mayOnTopic(ctx, AclOp.DESCRIBE, t.name, false));
  for (const t of topics)
    for (const p of t.partitionStates) {
      partitions++;
      if (p.leader < 0) offline++;
      else if (p.isr.length < p.replicas.length) underReplicated++;
    }
  const groups: Record<string, number> = {};
  for (const g of await ctx.admin.listGroups()) groups[g.state] = (groups[g.state] ?? 0) + 1;
  // In a cluster: brokers registered once but not alive now (Kafka's fenced brokers) are shown as down.
  const fenced = ctx.broker.brokerRegistry ? await ctx.broker.brokerRegistry.fenced() : [];
  const alive = image.brokers().map((b) => ({ id: b.id, host: b.endpoints[0]?.host, port: b.endpoints[0]?.port, rack: b.rack, up: true }));
  const down = fenced.filter((f) => !alive.some((a) => a.id === f.id)).map((b) => ({ id: b.id, host: b.endpoints[0]?.host, port: b.endpoints[0]?.port, rack: b.rack, up: false }));
  return {
    clusterId: ctx.broker.clusterId,
    nodeId: ctx.broker.nodeId,
    controller: image.controllerForClients(ctx.broker.nodeId),
    brokers: [...alive, ...down].sort((a, b) => a.id - b.id),
    topics: topics.length,
    partitions,
    underReplicated,
    offline,
    connections: ctx.meter.openConnections(),
    groups,
    readOnly: ctx.readOnly,
    traffic: ctx.meter.history,
  };
});

// ---- topics

interface TopicRow {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  size: number;
  records: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

route('GET', '/topics', async (ctx, _m, q) => {
  const query = (q.get('q') ?? '').toLowerCase();
  const limit = optInt(q.get('limit'), 'limit', 1, 100_000) ?? 1000;
  const all = ctx.broker.metadata
    .image()
    .topics()
    .filter((t) => (!query || t.name.toLowerCase().includes(query)) && mayOnTopic(ctx, AclOp.DESCRIBE, t.name, false))
    .sort((a, b) => a.name.localeCompare(b.name));
  const shown = all.slice(0, limit);
  const stats = await partitionStats(
    ctx,
    shown.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.name, partition: p.partition }))),
  );
  const rows: TopicRow[] = shown.map((t) => {
    let size = 0;
    let records = 0;
    for (const p of t.partitionStates) {
      const s = stats.get(partitionKey(t.name, p.partition));
      if (s) {
        size += s.size ?? 0;
        records += s.end - s.logStart;
      }
    }
    const rate = ctx.meter.topicRate(t.name);
    return { name: t.name, internal: t.internal, partitions: t.partitions, replicationFactor: t.partitionStates[0]?.replicas.length ?? 0, size, records, bytesInPerSec: rate.bytesIn, bytesOutPerSec: rate.bytesOut };
  });
  return { total: all.length, topics: rows };
});

route('POST', '/topics', async (ctx, _m, _q, body) => {
  const b = await body();
  const name = str(b.name, 'name');
  const partitions = optInt(b.partitions, 'partitions', 1) ?? -1;
  const rf = optInt(b.replicationFactor, 'replicationFactor', 1, 32767) ?? -1;
  const configs = stringMap(b.configs, 'configs') as Record<string, string>;
  await ctx.admin.createTopic(name, partitions, rf, configs);
  return { name };
});

route('GET', '/topics/:name', async (ctx, [name]) => {
  const t = topicOf(ctx, name);
  const stats = await partitionStats(
    ctx,
    t.partitionStates.map((p) => ({ topic: name, partition: p.partition })),
  );
  const parts = t.partitionStates.map((p) => {
    const s = stats.get(partitionKey(name, p.partition));
    return {
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      logStart: s?.logStart ?? null,
      end: s?.end ?? null,
      size: s?.size ?? null,
    };
  });
  return { name, id: t.id, internal: t.internal, partitions: parts, configs: await ctx.admin.topicConfigs(name) };
});

route('DELETE', '/topics/:name', async (ctx, [name]) => {
  topicOf(ctx, name);
  await ctx.admin.deleteTopic(name);
  ctx.meter.forget(name);
  return { deleted: name };
});

route('POST', '/topics/:name/partitions', async (ctx, [name], _q, body) => {
  const b = await body();
  await ctx.admin.addPartitions(name, int(b.count, 'count', 1));
  return { name };
});

route('PATCH', '/topics/:name/configs', async (ctx, [name], _q, body) => {
  const b = await body();
  const changes = stringMap(b.configs, 'configs', true);
  if (Object.keys(changes).length === 0) throw new HttpError(400, 'configs must name at least one config');
  await ctx.admin.alterTopicConfigs(name, changes);
  return { configs: await ctx.admin.topicConfigs(name) };
});

/** The chosen partitions of a topic whose records are read: needs READ, as Fetch does. */
function partitionList(ctx: ApiContext, topic: string, spec: string | null): number[] {
  const t = topicOf(ctx, topic, AclOp.READ);
  if (!spec || spec === 'all') return t.partitionStates.map((p) => p.partition);
  const list = spec.split(',').map((s) => int(s, 'partitions', 0, t.partitions - 1));
  return [...new Set(list)];
}

function positions(v: string | null): Record<string, number> {
  if (!v) throw new HttpError(400, 'positions are needed to page');
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new HttpError(400, 'positions must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'positions must map partitions to offsets');
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(parsed)) out[String(int(k, 'partition', 0))] = int(x, `positions.${k}`, 0);
  return out;
}

/**
 * A page of records. `from` positions every chosen partition (beginning, end, offset, timestamp);
 * `dir=next|prev` with `positions` (from the previous page's `next`/`prev`) pages on. Pages hold
 * the records of all chosen partitions in timestamp order.
 */
route('GET', '/topics/:name/records', async (ctx, [name], q) => {
  const parts = partitionList(ctx, name, q.get('partitions'));
  const limit = optInt(q.get('limit'), 'limit', 1, MAX_PAGE) ?? 50;
  const filter = textFilter(q.get('q') ?? '');
  const dir = q.get('dir') ?? 'next';
  if (dir !== 'next' && dir !== 'prev') throw new HttpError(400, "dir must be 'next' or 'prev'");
  const from = q.get('from');
  const value = optInt(q.get('value'), 'value');
  if (from && !['beginning', 'end', 'offset', 'timestamp'].includes(from)) throw new HttpError(400, 'from must be beginning, end, offset or timestamp');
  if ((from === 'offset' || from === 'timestamp') && value === undefined) throw new HttpError(400, `from=${from} needs a value`);
  const pos = from ? undefined : positions(q.get('positions'));
  const perPart: Array<{ p: number; records: ConsoleRecord[]; start: number; end: number; budgetSpent: boolean }> = [];
  const sources = await sourcesOf(ctx, name, parts);
  for (const p of parts) {
    const h = sources.get(p)!;
    if (from === 'end' || (!from && dir === 'prev')) {
      const endAt = from ? h.highWatermark : (pos![String(p)] ?? h.highWatermark);
      const got = await readBackward(h, endAt, limit, filter);
      perPart.push({ p, records: got.records, start: got.first, end: endAt, budgetSpent: false });
    } else {
      const start = from ? await startOffset(h, from, value, limit) : (pos![String(p)] ?? h.highWatermark);
      const got = await readForward(h, start, limit, filter);
      perPart.push({ p, records: got.records, start, end: got.next, budgetSpent: got.budgetSpent });
    }
  }
  const merged = perPart.flatMap((x) => x.records).sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  const backwards = from === 'end' || (!from && dir === 'prev');
  const page = backwards ? merged.slice(-limit) : merged.slice(0, limit);
  const prev: Record<string, number> = {};
  const next: Record<string, number> = {};
  for (const x of perPart) {
    const mine = page.filter((r) => r.partition === x.p);
    const all = mine.length === x.records.length;
    // Records read but left off this page (by the merge) are where the next page in that direction starts.
    if (backwards) {
      prev[x.p] = all ? x.start : mine.length > 0 ? mine[0].offset : x.end;
      next[x.p] = mine.length > 0 ? mine[mine.length - 1].offset + 1 : x.end;
    } else {
      prev[x.p] = mine.length > 0 ? mine[0].offset : x.start;
      next[x.p] = all ? x.end : mine.length > 0 ? mine[mine.length - 1].offset + 1 : x.start;
    }
  }
  return { records: page, prev, next, scanLimited: perPart.some((x) => x.budgetSpent) };
});

route('POST', '/topics/:name/records', async (ctx, [name], _q, body) => {
  const b = await body();
  const t = topicOf(ctx, name);
  const key = optStr(b.key, 'key');
  const value = optStr(b.value, 'value');
  const rawHeaders = b.headers ?? [];
  if (!Array.isArray(rawHeaders)) throw new HttpError(400, 'headers must be a list of {key, value}');
  const headers = rawHeaders.map((h: unknown, i) => {
    if (typeof h !== 'object' || h === null) throw new HttpError(400, `headers[${i}] must be {key, value}`);
    const o = h as Record<string, unknown>;
    const v = optStr(o.value, `headers[${i}].value`);
    return { key: str(o.key, `headers[${i}].key`), value: v === null ? null : Buffer.from(v, 'utf8') };
  });
  const keyBytes = key === null || key === '' ? null : Buffer.from(key, 'utf8');
  let partition = optInt(b.partition, 'partition', 0, t.partitions - 1);
  if (partition === undefined) partition = keyBytes ? toPositive(murmur2(keyBytes)) % t.partitions : Math.floor(Math.random() * t.partitions);
  const batch = createBatch([{ key: keyBytes, value: value === null ? null : Buffer.from(value, 'utf8'), headers }]);
  const offset = await ctx.admin.produce(name, partition, batch);
  return { partition, offset };
});

/** Records per bucket over a time range (default: the last hour), from the time index. */
route('GET', '/topics/:name/timeline', async (ctx, [name], q) => {
  const parts = partitionList(ctx, name, q.get('partitions'));
  const now = Date.now();
  const to = optInt(q.get('to'), 'to', 0) ?? now;
  const from = optInt(q.get('from'), 'from', 0) ?? to - 3_600_000;
  if (from >= to) throw new HttpError(400, 'from must be before to');
  const buckets = optInt(q.get('buckets'), 'buckets', 1, 500) ?? 60;
  const handles = [...(await ctx.link.sources(name, parts)).values()];
  return { from, to, buckets: await volumeTimeline(handles, from, to, buckets) };
});

route('GET', '/topics/:name/producers', async (ctx, [name]) => {
  const t = topicOf(ctx, name);
  const res = await ctx.admin.producers(
    name,
    t.partitionStates.map((p) => p.partition),
  );
  return res.map((p) => ({
    partition: p.partitionIndex,
    error: p.errorCode,
    producers: p.activeProducers.map((x) => ({
      producerId: String(x.producerId),
      epoch: x.producerEpoch,
      lastSequence: x.lastSequence,
      lastTimestamp: Number(x.lastTimestamp),
      txnStartOffset: Number(x.currentTxnStartOffset),
    })),
  }));
});

// ---- groups

route('GET', '/groups', async (ctx) => {
  const groups = await ctx.admin.listGroups();
  return groups
    .map((g) => {
      const latest = ctx.lag.samples(g.groupId).at(-1);
      const last = latest && visibleHistory(ctx, [latest])[0];
      return { ...g, lag: last?.lag ?? null, timeLagMs: last?.timeLagMs ?? null };
    })
    .sort((a, b) => a.groupId.localeCompare(b.groupId));
});

route('GET', '/groups/:id', async (ctx, [id]) => {
  const group = await ctx.admin.describeGroup(id);
  if (!group) throw new HttpError(404, `no group '${id}'`);
  return { group, lag: await ctx.lag.lag(id, Date.now(), ctx.admin), history: visibleHistory(ctx, ctx.lag.samples(id)), sampleMs: ctx.lag.sampleMs };
});

route('DELETE', '/groups/:id', async (ctx, [id]) => {
  const group = await ctx.admin.describeGroup(id);
  if (!group) throw new HttpError(404, `no group '${id}'`);
  if (group.members.length > 0) throw new HttpError(409, `group '${id}' has ${group.members.length} member(s): stop its consumers first`);
  await ctx.admin.deleteGroup(id);
  ctx.lag.forget(id);
  return { deleted: id };
});

/**
 * Reset offsets as kafka-consumer-groups --reset-offsets: strategy earliest, latest, offset (to
 * `value`), timestamp (first record at or after `value` ms, else the end) or shift (by `value`),
 * clamped to each partition's range. `dryRun` previews; executing needs a group without members.
 */
route('POST', '/groups/:id/reset', async (ctx, [id], _q, body) => {
  const b = await body();
  const strategy = str(b.strategy, 'strategy');
  if (!['earliest', 'latest', 'offset', 'timestamp', 'shift'].includes(strategy)) throw new HttpError(400, 'strategy must be earliest, latest, offset, timestamp or shift');
  const value = strategy === 'earliest' || strategy === 'latest' ? 0 : int(b.value, 'value');
  const topic = optStr(b.topic, 'topic');
  const dryRun = b.dryRun === true;
  const group = await ctx.admin.describeGroup(id);
  const committed = await ctx.admin.committedOffsets(id);
  if (!group && committed.length === 0 && !topic) throw new HttpError(404, `no group '${id}'`);
  let targets: Array<{ topic: string; partition: number; current: number | null }>;
  if (topic) {
    const t = topicOf(ctx, topic);
    targets = t.partitionStates.map((p) => ({ topic, partition: p.partition, current: committed.find((c) => c.topic === topic && c.partition === p.partition)?.offset ?? null }));
  } else targets = committed.map((c) => ({ topic: c.topic, partition: c.partition, current: c.offset }));
  if (targets.length === 0) throw new HttpError(400, 'the group has no committed offsets: name a topic');
  const preview: Array<{ topic: string; partition: number; current: number | null; target: number }> = [];
  const sources = new Map<string, Map<number, RecordSource>>();
  for (const t of new Set(targets.map((x) => x.topic)))
    sources.set(
      t,
      await sourcesOf(
        ctx,
        t,
        targets.filter((x) => x.topic === t).map((x) => x.partition),
      ),
    );
  for (const x of targets) {
    const h = sources.get(x.topic)!.get(x.partition)!;
    const clamp = (o: number): number => Math.min(Math.max(o, h.logStartOffset), h.highWatermark);
    let target: number;
    if (strategy === 'earliest') target = h.logStartOffset;
    else if (strategy === 'latest') target = h.highWatermark;
    else if (strategy === 'offset') target = clamp(value);
    else if (strategy === 'timestamp') target = (await h.offsetForTimestamp(value))?.offset ?? h.highWatermark;
    else target = clamp((x.current ?? h.logStartOffset) + value);
    preview.push({ ...x, target });
  }
  if (dryRun) return { preview, applied: false };
  if (group && group.members.length > 0) throw new HttpError(409, `group '${id}' has ${group.members.length} member(s): offsets can only be reset while it has none`);
  await ctx.admin.commitOffsets(
    id,
    preview.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.target })),
  );
  return { preview, applied: true };
});

// ---- transactions

route('GET', '/transactions', async (ctx) => {
  const txns = await ctx.admin.transactions();
  return txns.map((t) => ({
    transactionalId: t.transactionalId,
    state: t.transactionState,
    producerId: String(t.producerId),
    epoch: t.producerEpoch,
    timeoutMs: t.transactionTimeoutMs,
    startTimeMs: Number(t.transactionStartTimeMs),
    partitions: t.topics.flatMap((x) => x.partitions.map((p) => `${x.topic}-${p}`)),
  }));
});

export type { PartitionLag };

