/**
 * The web console's HTTP and WebSocket API on an embedded broker: serving and its keys, topic
 * admin through the handlers (their error codes), the message browser's positions and paging,
 * the live tail's rate limit, consumer lag in messages and time, offset resets, and refusals of
 * bad input with a 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';
import { until } from '../helpers/until.js';

let broker: Broker;
let base: string;

interface Res {
  status: number;
  body: any;
}

async function call(path: string, method = 'GET', body?: unknown, raw?: string): Promise<Res> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const r = await fetch(base + path, { method, body: payload, headers: payload === undefined ? {} : { 'content-type': 'application/json' } });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function produce(topic: string, key: string, value: string, partition?: number): Promise<{ partition: number; offset: number }> {
  const r = await call(`/api/topics/${topic}/records`, 'POST', { key, value, partition, headers: [{ key: 'h', value: `hv-${key}` }] });
  expect(r.status).toBe(201);
  return r.body;
}

const text = (b64: string | null): string | null => (b64 === null ? null : Buffer.from(b64, 'base64').toString('utf8'));

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory', console: true, config: { 'runnel.metrics.port': 0, 'runnel.console.lag.sample.ms': 200 } });
  base = `http://127.0.0.1:${broker.consolePort}`;
});

afterAll(async () => {
  await broker?.close();
});

describe('serving', () => {
  it('shares the metrics port: /metrics, /health and the console', async () => {
    expect(broker.consolePort).toBe(broker.metricsPort);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    const o = await call('/api/overview');
    expect(o.status).toBe(200);
    expect(o.body).toMatchObject({ nodeId: broker.nodeId, controller: broker.nodeId, readOnly: false });
    expect(o.body.brokers).toHaveLength(1);
  });

  it('is off for an embedded broker unless asked', async () => {
    const b = await startBroker({ port: 0, storage: 'memory', config: { 'runnel.metrics.port': 0 } });
    try {
      expect(b.consolePort).toBeUndefined();
      expect((await fetch(`http://127.0.0.1:${b.metricsPort}/api/overview`)).status).toBe(404);
    } finally {
      await b.close();
    }
  });

  it('runnel.console.port gives it a port of its own; runnel.console.read.only refuses changes with 403', async () => {
    const b = await startBroker({ port: 0, storage: 'memory', console: true, config: { 'runnel.console.port': 0, 'runnel.console.read.only': true } });
    try {
      expect(b.metricsPort).toBeUndefined();
      const url = `http://127.0.0.1:${b.consolePort}`;
      expect((await fetch(`${url}/api/topics`)).status).toBe(200);
      const r = await fetch(`${url}/api/topics`, { method: 'POST', body: JSON.stringify({ name: 'nope' }), headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(403);
      expect((await fetch(`${url}/api/topics?q=nope`).then((x) => x.json())).total).toBe(0);
    } finally {
      await b.close();
    }
  });
});

describe('cross-site requests', () => {
  it('refuses a change from another site’s page, or not sent as JSON, and a WebSocket from another site', async () => {
    const body = JSON.stringify({ name: 'csrf' });
    const foreign = await fetch(`${base}/api/topics`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const form = await fetch(`${base}/api/topics`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(form.status).toBe(415);
    const own = await fetch(`${base}/api/topics`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: base } });
    expect(own.status).toBe(201);
    const err = await new Promise<Error>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${broker.consolePort}/api/live/overview`, { origin: 'http://evil.example' });
      ws.on('error', resolve);
      ws.on('open', () => resolve(new Error('opened')));
    });
    expect(err.message).toMatch(/Unexpected server response: 403/);
  });
});

describe('topics', () => {
  it('creates, lists, describes, adds partitions, alters configs and deletes, with the handlers’ refusals', async () => {
    expect((await call('/api/topics', 'POST', { name: 'api-t', partitions: 2, configs: { 'retention.ms': '3600000' } })).status).toBe(201);
    const dup = await call('/api/topics', 'POST', { name: 'api-t', partitions: 2 });
    expect(dup.status).toBe(400);
    expect(dup.body.error).toMatch(/^TOPIC_ALREADY_EXISTS/);
    expect((await call('/api/topics', 'POST', { name: 'bad name!' })).body.error).toMatch(/^INVALID_TOPIC_EXCEPTION/);
    expect((await call('/api/topics', 'POST', { name: 'x', configs: { 'retention.ms': 'soon' } })).body.error).toMatch(/^INVALID_CONFIG/);

    const list = await call('/api/topics?q=API-T');
    expect(list.body.topics.map((t: any) => t.name)).toEqual(['api-t']);
    expect(list.body.topics[0]).toMatchObject({ partitions: 2, replicationFactor: 1, internal: false });

    const d = await call('/api/topics/api-t');
    expect(d.body.partitions.map((p: any) => [p.partition, p.leader, p.logStart, p.end])).toEqual([
      [0, 1, 0, 0],
      [1, 1, 0, 0],
    ]);
    const retention = d.body.configs.find((c: any) => c.name === 'retention.ms');
    expect(retention).toMatchObject({ value: '3600000', source: 1, isDefault: false });

    expect((await call('/api/topics/api-t/partitions', 'POST', { count: 2 })).body.error).toMatch(/^INVALID_PARTITIONS/);
    expect((await call('/api/topics/api-t/partitions', 'POST', { count: 3 })).status).toBe(201);
    expect((await call('/api/topics/api-t')).body.partitions).toHaveLength(3);

    const altered = await call('/api/topics/api-t/configs', 'PATCH', { configs: { 'retention.ms': null, 'cleanup.policy': 'compact' } });
    expect(altered.status).toBe(200);
    const byName = Object.fromEntries(altered.body.configs.map((c: any) => [c.name, c]));
    expect(byName['retention.ms'].isDefault).toBe(true);
    expect(byName['cleanup.policy'].value).toBe('compact');

    expect((await call('/api/topics/api-t', 'DELETE')).status).toBe(200);
    expect((await call('/api/topics/api-t')).status).toBe(404);
    expect((await call('/api/topics/api-t', 'DELETE')).status).toBe(404);
  });

  it('lists thousands of topics quickly, searchable', async () => {
    // Created by one CreateTopics request (kafkajs): only the listing is under test here.
    const many = 3000;
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: Array.from({ length: many }, (_, i) => ({ topic: `bulk-${String(i).padStart(4, '0')}`, numPartitions: 1 })), timeout: 60_000 });
    await admin.disconnect();
    const t0 = performance.now();
    const all = await call('/api/topics?q=bulk-&limit=5000');
    const ms = performance.now() - t0;
    expect(all.body.total).toBe(many);
    expect(all.body.topics).toHaveLength(many);
    // Generous (a shared machine): catches a listing that grows with the square of the topics, not a slow second.
    expect(ms).toBeLessThan(5000);
    const some = await call('/api/topics?q=bulk-09');
    expect(some.body.total).toBe(100);
    const one = await call('/api/topics?q=bulk-2718');
    expect(one.body.topics.map((t: any) => t.name)).toEqual(['bulk-2718']);
    const capped = await call('/api/topics?q=bulk-&limit=10');
    expect(capped.body).toMatchObject({ total: many });
    expect(capped.body.topics).toHaveLength(10);
  }, 120_000);
});

describe('records', () => {
  it('positions at the beginning, the end, an offset and a timestamp, and pages both ways without gaps or repeats', async () => {
    await call('/api/topics', 'POST', { name: 'rec', partitions: 2 });
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      await produce('rec', `k${i}`, JSON.stringify({ i }), i % 2);
      times.push(Date.now());
      if (i === 19) await new Promise((r) => setTimeout(r, 30));
    }
    const first = await call('/api/topics/rec/records?from=beginning&limit=7');
    expect(first.body.records).toHaveLength(7);
    expect(first.body.records.map((r: any) => text(r.key))).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect(first.body.records[0].headers).toEqual([{ key: 'h', value: Buffer.from('hv-k0').toString('base64') }]);

    // Forwards through everything, 7 at a time.
    const seen: string[] = [];
    let page = first.body;
    for (;;) {
      seen.push(...page.records.map((r: any) => text(r.key)));
      if (page.records.length === 0) break;
      page = (await call(`/api/topics/rec/records?dir=next&limit=7&positions=${encodeURIComponent(JSON.stringify(page.next))}`)).body;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`));

    // Backwards from the end.
    const back: string[] = [];
    page = (await call('/api/topics/rec/records?from=end&limit=8')).body;
    expect(page.records.map((r: any) => text(r.key))).toEqual(['k22', 'k23', 'k24', 'k25', 'k26', 'k27', 'k28', 'k29']);
    for (;;) {
      back.unshift(...page.records.map((r: any) => text(r.key)));
      if (page.records.length === 0) break;
      page = (await call(`/api/topics/rec/records?dir=prev&limit=8&positions=${encodeURIComponent(JSON.stringify(page.prev))}`)).body;
    }
    expect(back).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`));

    const at = await call('/api/topics/rec/records?partitions=1&from=offset&value=4&limit=2');
    expect(at.body.records.map((r: any) => [r.partition, r.offset, text(r.key)])).toEqual([
      [1, 4, 'k9'],
      [1, 5, 'k11'],
    ]);

    // k20 was produced after a pause: its timestamp positions every partition at or after it.
    const k20 = (await call('/api/topics/rec/records?partitions=0&from=offset&value=10&limit=1')).body.records[0];
    expect(text(k20.key)).toBe('k20');
    const byTime = await call(`/api/topics/rec/records?from=timestamp&value=${k20.timestamp}&limit=3`);
    expect(byTime.body.records.map((r: any) => text(r.key))).toEqual(['k20', 'k21', 'k22']);
    const future = await call(`/api/topics/rec/records?from=timestamp&value=${Date.now() + 60_000}`);
    expect(future.body.records).toEqual([]);

    const filtered = await call('/api/topics/rec/records?from=beginning&q=HV-K1');
    expect(filtered.body.records.map((r: any) => text(r.key))).toEqual(['k1', ...Array.from({ length: 10 }, (_, i) => `k1${i}`)]);

    const timeline = await call(`/api/topics/rec/timeline?from=${times[0] - 60_000}&to=${Date.now() + 1000}&buckets=10`);
    expect(timeline.body.buckets.reduce((a: number, b: any) => a + b.records, 0)).toBe(30);
  });

  it('refuses bad input with a 4xx', async () => {
    await call('/api/topics', 'POST', { name: 'bad-input', partitions: 1 });
    const cases: Array<[string, string, unknown, string | undefined, number]> = [
      ['/api/topics', 'POST', undefined, '{not json', 400],
      ['/api/topics', 'POST', undefined, '[1,2]', 400],
      ['/api/topics', 'POST', { name: 5 }, undefined, 400],
      ['/api/topics', 'POST', { name: 'p', partitions: 1.5 }, undefined, 400],
      ['/api/topics', 'POST', { name: 'p', configs: { a: { b: 1 } } }, undefined, 400],
      ['/api/topics/bad-input/records?from=sideways', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records?from=offset', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records?partitions=7&from=beginning', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records?positions=nope', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records?positions=%7B%220%22%3A-1%7D', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records?limit=100000&from=end', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/records', 'POST', { value: 'x', partition: 9 }, undefined, 400],
      ['/api/topics/bad-input/records', 'POST', { value: 'x', headers: 'h' }, undefined, 400],
      ['/api/topics/bad-input/records', 'POST', { value: 'x', headers: [{ key: '', value: 'v' }] }, undefined, 400],
      ['/api/topics/bad-input/timeline?from=10&to=5', 'GET', undefined, undefined, 400],
      ['/api/topics/bad-input/configs', 'PATCH', { configs: {} }, undefined, 400],
      ['/api/topics/no-such/records?from=end', 'GET', undefined, undefined, 404],
      ['/api/topics/%E0%A4%A', 'GET', undefined, undefined, 400],
      ['/api/groups/g/reset', 'POST', { strategy: 'sideways' }, undefined, 400],
      ['/api/groups/g/reset', 'POST', { strategy: 'offset', topic: 'bad-input' }, undefined, 400],
      ['/api/nothing', 'GET', undefined, undefined, 404],
      ['/api/topics', 'PUT', {}, undefined, 405],
    ];
    for (const [path, method, body, raw, status] of cases) {
      const r = await call(path, method, body, raw);
      expect({ path, method, status: r.status }).toEqual({ path, method, status });
      expect(typeof r.body.error).toBe('string');
    }
    const big = await fetch(`${base}/api/topics`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } }).catch((e: Error) => e);
    if (!(big instanceof Error)) expect(big.status).toBe(413);
    expect((await call('/api/overview')).status).toBe(200);
  });
});

describe('live tail', () => {
  it('streams new records, at most `rate` a second, and says how many it skipped', async () => {
    await call('/api/topics', 'POST', { name: 'tail', partitions: 1 });
    await produce('tail', 'old', 'before the tail');
    const ws = new WebSocket(`ws://127.0.0.1:${broker.consolePort}/api/live/tail/tail?rate=20`);
    const got: any[] = [];
    let skipped = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'records') got.push(...m.records);
      if (m.type === 'skipped') skipped += m.count;
    });
    await new Promise((r) => ws.once('message', r)); // ready
    await produce('tail', 'new', 'after');
    await until('the tailed record', () => (got.length > 0 ? true : undefined), 5000, 50);
    expect(got.map((r) => text(r.key))).toEqual(['new']);

    // 300 records at once, at 20 a second: the tail skips ahead instead of falling behind.
    const startedAt = Date.now();
    const before = got.length;
    await Promise.all(Array.from({ length: 300 }, (_, i) => produce('tail', `b${i}`, 'x')));
    await until('the newest record', () => (got.some((r) => text(r.key) === 'b299') ? true : undefined), 10_000, 50);
    const secs = (Date.now() - startedAt) / 1000 + 1;
    expect(got.length - before).toBeLessThanOrEqual(Math.ceil(20 * secs) + 20);
    expect(skipped).toBeGreaterThan(200);
    ws.close();
  });

  it('refuses a tail of an unknown topic or bad partitions', async () => {
    for (const path of ['/api/live/tail/no-such', '/api/live/tail/tail?partitions=5', '/api/live/nothing']) {
      const err = await new Promise<Error>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${broker.consolePort}${path}`);
        ws.on('error', resolve);
        ws.on('open', () => resolve(new Error('opened')));
      });
      expect(err.message).toMatch(/Unexpected server response: 40[04]/);
    }
  });
});

describe('consumer groups', () => {
  it('shows lag in messages and time, keeps its history, resets offsets with a preview and deletes the group', async () => {
    await call('/api/topics', 'POST', { name: 'lagging', partitions: 2 });
    for (let i = 0; i < 10; i++) await produce('lagging', `k${i}`, 'v', i % 2);
    // A group with offsets and no members: committed by the reset itself (as kafka-consumer-groups may).
    const preview = await call('/api/groups/g-lag/reset', 'POST', { strategy: 'offset', value: 2, topic: 'lagging', dryRun: true });
    expect(preview.status).toBe(201);
    expect(preview.body).toMatchObject({ applied: false });
    expect(preview.body.preview.map((p: any) => [p.partition, p.current, p.target])).toEqual([
      [0, null, 2],
      [1, null, 2],
    ]);
    expect((await call('/api/groups/g-lag')).status).toBe(404);
    expect((await call('/api/groups/g-lag/reset', 'POST', { strategy: 'offset', value: 2, topic: 'lagging' })).body.applied).toBe(true);

    await new Promise((r) => setTimeout(r, 300));
    const g = await call('/api/groups/g-lag');
    expect(g.status).toBe(200);
    expect(g.body.group).toMatchObject({ groupId: 'g-lag', members: [] });
    expect(g.body.lag.map((l: any) => [l.partition, l.committed, l.end, l.lag])).toEqual([
      [0, 2, 5, 3],
      [1, 2, 5, 3],
    ]);
    for (const l of g.body.lag) expect(l.timeLagMs).toBeGreaterThan(0);
    const ts = (await call('/api/topics/lagging/records?partitions=0&from=offset&value=2&limit=1')).body.records[0].timestamp;
    expect(g.body.lag[0].timeLagMs).toBeGreaterThanOrEqual(Date.now() - ts - 5000);

    const samples = await until('lag samples', async () => {
      const h = (await call('/api/groups/g-lag')).body.history;
      return h.length >= 2 ? h : undefined;
    });
    expect(samples.at(-1)).toMatchObject({ lag: 6, partitions: { 'lagging-0': [3, expect.any(Number)] } });

    const shift = await call('/api/groups/g-lag/reset', 'POST', { strategy: 'shift', value: -10, dryRun: true });
    expect(shift.body.preview.map((p: any) => p.target)).toEqual([0, 0]);
    const ts2 = await call('/api/groups/g-lag/reset', 'POST', { strategy: 'timestamp', value: Date.now() + 60_000, dryRun: true });
    expect(ts2.body.preview.map((p: any) => p.target)).toEqual([5, 5]);
    expect((await call('/api/groups/g-lag/reset', 'POST', { strategy: 'latest' })).body.applied).toBe(true);
    const after = await call('/api/groups/g-lag');
    expect(after.body.lag.map((l: any) => [l.lag, l.timeLagMs])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const listed = await call('/api/groups');
    expect(listed.body.find((x: any) => x.groupId === 'g-lag')).toMatchObject({ state: 'Empty' });

    expect((await call('/api/groups/g-lag', 'DELETE')).status).toBe(200);
    expect((await call('/api/groups/g-lag')).status).toBe(404);
  });
});

describe('transactions and producers', () => {
  it('lists none on a fresh topic, without errors', async () => {
    await call('/api/topics', 'POST', { name: 'prod', partitions: 1 });
    expect((await call('/api/transactions')).body).toEqual([]);
    expect((await call('/api/topics/prod/producers')).body).toEqual([{ partition: 0, error: 0, producers: [] }]);
  });
});
