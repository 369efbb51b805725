/**
 * Metadata (key 3) and DescribeCluster (key 60) through the wire: topic listing, auto-creation,
 * name validation, lookup by id, cluster identity across restarts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker, type StartBrokerOptions } from '../../src/broker.js';
import { KafkaWire, clientHost } from '../helpers/kafka-wire.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const MIN_INT = -2147483648;
const NODE_ID = 7;
const PARTITIONS = 3;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-md-test-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function withBroker<T>(opts: StartBrokerOptions, fn: (b: Broker, c: KafkaWire) => Promise<T>): Promise<T> {
  const b = await startBroker({ port: 0, ...opts });
  const c = await KafkaWire.connect(b.port, clientHost(b.host));
  try {
    return await fn(b, c);
  } finally {
    await c.close();
    await b.close();
  }
}

const byName = (name: string) => ({ topicId: ZERO, name });
/** Topics clients created (internal ones such as __consumer_offsets may come and go with other features). */
const userTopics = (topics: any[]) => topics.filter((t) => !t.isInternal && !String(t.name).startsWith('__'));
const byId = (topicId: string) => ({ topicId, name: null });

/** A Metadata request at version v for the named topics (null: all). */
function md(c: KafkaWire, v: number, topics: Array<{ topicId: string; name: string | null }> | null, extra: Record<string, unknown> = {}) {
  return c.request(3, v, { topics, allowAutoTopicCreation: true, ...extra });
}

describe('Metadata on a broker with a data directory', () => {
  let dataDir: string;
  let broker: Broker;
  let c: KafkaWire;
  const config = { 'node.id': NODE_ID, 'num.partitions': PARTITIONS };

  beforeAll(async () => {
    dataDir = await tempDir();
    broker = await startBroker({ port: 0, dataDir, config });
    c = await KafkaWire.connect(broker.port, clientHost(broker.host));
  });

  afterAll(async () => {
    await c?.close();
    await broker?.close();
  });

  it('an unknown topic is auto-created: LEADER_NOT_AVAILABLE first, then described', async () => {
    const first = await md(c, 1, [byName('auto-1')]);
    expect(first.topics).toHaveLength(1);
    expect(first.topics[0].name).toBe('auto-1');
    expect(first.topics[0].errorCode).toBe(5);

    const second = await md(c, 1, [byName('auto-1')]);
    const t = second.topics[0];
    expect(t.errorCode).toBe(0);
    expect(t.name).toBe('auto-1');
    expect(t.isInternal).toBe(false);
    expect(t.partitions).toHaveLength(PARTITIONS);
    t.partitions.forEach((p: any, i: number) => {
      expect(p.errorCode).toBe(0);
      expect(p.partitionIndex).toBe(i);
      expect(p.leaderId).toBe(NODE_ID);
      expect(p.replicaNodes).toEqual([NODE_ID]);
      expect(p.isrNodes).toEqual([NODE_ID]);
    });
  });

  it('every version auto-creates (v4+ when allowed) and then describes the topic', async () => {
    for (let v = 0; v <= 13; v++) {
      const name = `auto-v${v}`;
      expect((await md(c, v, [byName(name)])).topics[0].errorCode, `v${v} first`).toBe(5);
      const t = (await md(c, v, [byName(name)])).topics[0];
      expect(t.errorCode, `v${v} second`).toBe(0);
      expect(t.partitions).toHaveLength(PARTITIONS);
      expect(t.partitions.every((p: any) => p.leaderId === NODE_ID)).toBe(true);
      if (v >= 7) expect(t.partitions[0].leaderEpoch).toBeGreaterThanOrEqual(0);
      if (v >= 10) expect(t.topicId).not.toBe(ZERO);
    }
  });

  it('the topic id is non-zero and the same in every answer', async () => {
    await md(c, 12, [byName('stable-id')]);
    const a = (await md(c, 12, [byName('stable-id')])).topics[0].topicId;
    const b = (await md(c, 10, [byName('stable-id')])).topics[0].topicId;
    const all = (await md(c, 13, null)).topics.find((t: any) => t.name === 'stable-id').topicId;
    expect(a).not.toBe(ZERO);
    expect(b).toBe(a);
    expect(all).toBe(a);
  });

  it('v0 with an empty topic list and v1+ with a null list return every topic', async () => {
    const everything = (await md(c, 12, null)).topics.map((t: any) => t.name).sort();
    expect(everything).toEqual(expect.arrayContaining(['auto-1', 'auto-v0', 'stable-id']));
    const v0 = await md(c, 0, []);
    expect(v0.topics.map((t: any) => t.name).sort()).toEqual(everything);
    for (let v = 1; v <= 13; v++) {
      const res = await md(c, v, null);
      expect(res.topics.map((t: any) => t.name).sort(), `v${v}`).toEqual(everything);
      expect(res.topics.every((t: any) => t.errorCode === 0)).toBe(true);
      expect(userTopics(res.topics).every((t: any) => t.partitions.length === PARTITIONS)).toBe(true);
    }
  });

  it('v1+ with an empty topic list returns no topics (and creates none)', async () => {
    for (const v of [1, 4, 9, 12, 13]) expect((await md(c, v, [])).topics, `v${v}`).toEqual([]);
  });

  it('v4+ with allowAutoTopicCreation=false: UNKNOWN_TOPIC_OR_PARTITION and no topic is created', async () => {
    for (const v of [4, 8, 9, 12, 13]) {
      const res = await md(c, v, [byName(`no-auto-v${v}`)], { allowAutoTopicCreation: false });
      expect(res.topics[0].errorCode, `v${v}`).toBe(3);
    }
    const all = (await md(c, 12, null)).topics.map((t: any) => t.name);
    expect(all.filter((n: string) => n.startsWith('no-auto-'))).toEqual([]);
  });

  it('invalid topic names get INVALID_TOPIC_EXCEPTION (17) and are not created', async () => {
    const bad = ['bad name', '..', '.', 'x'.repeat(250), 'ünïcode', 'a/b', ''];
    for (const v of [1, 4, 9, 12]) {
      const res = await md(c, v, bad.map(byName));
      expect(res.topics.map((t: any) => t.errorCode), `v${v}`).toEqual(bad.map(() => 17));
      expect(res.topics.map((t: any) => t.name)).toEqual(bad);
    }
    const all = (await md(c, 12, null)).topics.map((t: any) => t.name);
    for (const b of bad) expect(all).not.toContain(b);
  });

  it('a 249-character name is legal', async () => {
    const name = 'y'.repeat(249);
    expect((await md(c, 9, [byName(name)])).topics[0].errorCode).toBe(5);
    expect((await md(c, 9, [byName(name)])).topics[0].errorCode).toBe(0);
  });

  it("names that collide by '.' versus '_' are refused with 17 (both directions)", async () => {
    expect((await md(c, 1, [byName('a.b')])).topics[0].errorCode).toBe(5);
    expect((await md(c, 1, [byName('a_b')])).topics[0].errorCode).toBe(17);
    expect((await md(c, 1, [byName('c_d')])).topics[0].errorCode).toBe(5);
    expect((await md(c, 1, [byName('c.d')])).topics[0].errorCode).toBe(17);
    const all = (await md(c, 1, null)).topics.map((t: any) => t.name);
    expect(all).toContain('a.b');
    expect(all).not.toContain('a_b');
    expect(all).not.toContain('c.d');
    // The existing one is still described normally.
    expect((await md(c, 1, [byName('a.b')])).topics[0].errorCode).toBe(0);
  });

  it('concurrent auto-creation of one topic from several connections creates it once', async () => {
    const conns = await Promise.all(Array.from({ length: 5 }, () => KafkaWire.connect(broker.port, clientHost(broker.host))));
    try {
      const answers = await Promise.all(conns.map((k) => md(k, 12, [byName('raced')])));
      expect(answers.map((a: any) => a.topics[0].errorCode).filter((e: number) => e === 5).length).toBeGreaterThanOrEqual(1);
      const ids = await Promise.all(conns.map(async (k) => (await md(k, 12, [byName('raced')])).topics[0].topicId));
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).not.toBe(ZERO);
      expect((await md(c, 12, null)).topics.filter((t: any) => t.name === 'raced')).toHaveLength(1);
    } finally {
      await Promise.all(conns.map((k) => k.close()));
    }
  });

  it('v10+ lookup by topic id: a known id is described with its name', async () => {
    const id = (await md(c, 12, [byName('stable-id')])).topics[0].topicId;
    for (const v of [10, 11, 12, 13]) {
      const t = (await md(c, v, [byId(id)])).topics[0];
      expect(t.errorCode, `v${v}`).toBe(0);
      expect(t.name).toBe('stable-id');
      expect(t.topicId).toBe(id);
      expect(t.partitions).toHaveLength(PARTITIONS);
    }
  });

  it('v12+ lookup by an unknown topic id: UNKNOWN_TOPIC_ID (100)', async () => {
    const unknown = '0f0e0d0c-0b0a-4908-8706-050403020100';
    for (const v of [12, 13]) {
      const t = (await md(c, v, [byId(unknown)])).topics[0];
      expect(t.errorCode, `v${v}`).toBe(100);
      expect(t.topicId).toBe(unknown);
    }
  });

  it('v10/v11 lookup by an unknown topic id answers a valid response (topic name is not nullable before v12)', async () => {
    const unknown = '0f0e0d0c-0b0a-4908-8706-050403020100';
    for (const v of [10, 11]) {
      const k = await KafkaWire.connect(broker.port, clientHost(broker.host));
      try {
        // receive() decodes with the generated v10/v11 reader, which refuses a null name.
        const t = (await md(k, v, [byId(unknown)])).topics[0];
        expect(typeof t.name, `v${v}`).toBe('string');
        expect([100, 42], `v${v} error code`).toContain(t.errorCode);
      } finally {
        k.destroy();
      }
    }
  });

  it('cluster-level fields: cluster id, controller id = node id, the advertised broker', async () => {
    for (let v = 0; v <= 13; v++) {
      const res = await md(c, v, []);
      expect(res.brokers, `v${v}`).toHaveLength(1);
      expect(res.brokers[0].nodeId).toBe(NODE_ID);
      expect(`${res.brokers[0].host}:${res.brokers[0].port}`).toBe(broker.bootstrap);
      expect(res.brokers[0].port).toBe(broker.port);
      if (v >= 1) {
        expect(res.controllerId).toBe(NODE_ID);
        expect(res.brokers[0].rack).toBeNull();
      }
      if (v >= 2) expect(res.clusterId).toBe(broker.clusterId);
      if (v >= 3) expect(res.throttleTimeMs).toBe(0);
      if (v >= 13) expect(res.errorCode).toBe(0);
    }
    expect(broker.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(broker.nodeId).toBe(NODE_ID);
  });

  it('authorized operations: a bit field when asked for (v8+), Integer.MIN_VALUE otherwise', async () => {
    for (const v of [8, 9, 10, 11, 12, 13]) {
      const asked = await md(c, v, [byName('stable-id')], { includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true });
      const ops = asked.topics[0].topicAuthorizedOperations;
      expect(ops, `v${v}`).not.toBe(MIN_INT);
      expect(ops).toBeGreaterThan(0);
      expect(ops & (1 << 3)).not.toBe(0); // READ
      expect(ops & (1 << 4)).not.toBe(0); // WRITE
      expect(ops & (1 << 8)).not.toBe(0); // DESCRIBE
      if (v <= 10) expect(asked.clusterAuthorizedOperations).toBeGreaterThan(0);

      const notAsked = await md(c, v, [byName('stable-id')]);
      expect(notAsked.topics[0].topicAuthorizedOperations).toBe(MIN_INT);
      if (v <= 10) expect(notAsked.clusterAuthorizedOperations).toBe(MIN_INT);
    }
  });

  it('cluster id, topics and topic ids survive a restart on the same data directory', async () => {
    const before = (await md(c, 12, null)).topics.map((t: any) => [t.name, t.topicId, t.partitions.length]).sort();
    const clusterId = broker.clusterId;
    await c.close();
    await broker.close();

    broker = await startBroker({ port: 0, dataDir, config });
    c = await KafkaWire.connect(broker.port, clientHost(broker.host));
    expect(broker.clusterId).toBe(clusterId);
    const res = await md(c, 12, null);
    expect(res.clusterId).toBe(clusterId);
    expect(res.controllerId).toBe(NODE_ID);
    const after = res.topics.map((t: any) => [t.name, t.topicId, t.partitions.length]).sort();
    expect(after).toEqual(before);
    // A topic known before the restart is described, not re-created.
    expect((await md(c, 1, [byName('auto-1')])).topics[0].errorCode).toBe(0);
  });
});

describe('Metadata with auto.create.topics.enable=false', () => {
  it('answers UNKNOWN_TOPIC_OR_PARTITION at every version and creates nothing', async () => {
    await withBroker({ config: { 'auto.create.topics.enable': false } }, async (_b, c) => {
      for (let v = 0; v <= 13; v++) {
        const res = await md(c, v, [byName('nope')]);
        expect(res.topics[0].errorCode, `v${v}`).toBe(3);
      }
      expect(userTopics((await md(c, 1, null)).topics)).toEqual([]);
      // Invalid names are still reported as invalid.
      expect((await md(c, 1, [byName('bad name')])).topics[0].errorCode).toBe(17);
    });
  });
});

describe('advertised listener', () => {
  it('Metadata and DescribeCluster report advertised.listeners, not the bound address', async () => {
    await withBroker({ config: { 'advertised.listeners': 'PLAINTEXT://kafka.example.com:19092' } }, async (b, c) => {
      expect(b.bootstrap).toBe('kafka.example.com:19092');
      const res = await md(c, 12, []);
      expect(res.brokers[0].host).toBe('kafka.example.com');
      expect(res.brokers[0].port).toBe(19092);
      const dc = await c.request(60, 1, { endpointType: 1 });
      expect(dc.brokers[0].host).toBe('kafka.example.com');
      expect(dc.brokers[0].port).toBe(19092);
    });
  });

  it('a broker bound to a wildcard advertises localhost and the bound port', async () => {
    await withBroker({}, async (b, c) => {
      const res = await md(c, 1, []);
      expect(res.brokers[0].host).toBe('localhost');
      expect(res.brokers[0].port).toBe(b.port);
    });
  });
});

describe('DescribeCluster', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await tempDir();
  });

  for (const v of [0, 1, 2]) {
    it(`v${v} describes this node as the only broker and the controller`, async () => {
      await withBroker({ dataDir, config: { 'node.id': 3 } }, async (b, c) => {
        const res = await c.request(60, v, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
        expect(res.errorCode).toBe(0);
        expect(res.errorMessage).toBeNull();
        expect(res.clusterId).toBe(b.clusterId);
        expect(res.controllerId).toBe(3);
        expect(res.brokers).toHaveLength(1);
        expect(res.brokers[0].brokerId).toBe(3);
        expect(`${res.brokers[0].host}:${res.brokers[0].port}`).toBe(b.bootstrap);
        expect(res.clusterAuthorizedOperations).toBe(MIN_INT);
        if (v >= 1) expect(res.endpointType).toBe(1);
        if (v >= 2) expect(res.brokers[0].isFenced).toBe(false);

        const md12 = await md(c, 12, []);
        expect(md12.clusterId).toBe(res.clusterId);
      });
    });
  }

  it('the cluster id is the same across restarts (DescribeCluster and Metadata agree)', async () => {
    const first = await withBroker({ dataDir, config: { 'node.id': 3 } }, (_b, c) => c.request(60, 0, {}));
    const second = await withBroker({ dataDir, config: { 'node.id': 3 } }, (_b, c) => c.request(60, 2, {}));
    expect(second.clusterId).toBe(first.clusterId);
  });

  it('includeClusterAuthorizedOperations gives a bit field', async () => {
    await withBroker({}, async (_b, c) => {
      const res = await c.request(60, 0, { includeClusterAuthorizedOperations: true });
      expect(res.clusterAuthorizedOperations).not.toBe(MIN_INT);
      expect(res.clusterAuthorizedOperations & (1 << 8)).not.toBe(0); // DESCRIBE
    });
  });

  it('endpoint type 2 (controllers) is answered with this node; other types are refused', async () => {
    await withBroker({}, async (b, c) => {
      const controllers = await c.request(60, 1, { endpointType: 2 });
      expect(controllers.errorCode).toBe(0);
      expect(controllers.endpointType).toBe(2);
      expect(controllers.brokers.map((x: any) => x.brokerId)).toEqual([b.nodeId]);
      const other = await c.request(60, 1, { endpointType: 3 });
      expect(other.errorCode).toBe(115);
      expect(other.errorMessage).toEqual(expect.any(String));
      expect(other.brokers).toEqual([]);
    });
  });
});
