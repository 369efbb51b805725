import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { Client, kafkaUuid } from '../../src/client/client.js';
import { ApiKey, Connection, parseAddress } from '../../src/client/connection.js';
import { createTopic, deleteGroups, describeGroups, listGroups } from '../../src/client/admin.js';
import { decodeAssignment, encodeAssignment, GroupMember, rangeAssign } from '../../src/client/group.js';
import { Producer } from '../../src/client/producer.js';
import { EARLIEST, LATEST, fetchOnce, listOffsets } from '../../src/client/consumer.js';
import { apiCodecs } from '../../src/protocol/messages/index.js';
import { Kafka, logLevel } from 'kafkajs';

let broker: Broker;
let client: Client;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  client = await Client.connect(`127.0.0.1:${broker.port}`);
});

afterAll(async () => {
  await client?.close();
  await broker?.close();
});

describe('src/client', () => {
  it('negotiates the highest common version per API', () => {
    const v = client.bootstrap.versions;
    expect(v.get(ApiKey.Metadata)).toBe(12); // the client stops at 12 (v13 is the same shape, but Runnel serves it)
    expect(v.get(ApiKey.Produce)).toBe(12); // v13 names topics by id only
    expect(v.get(ApiKey.Fetch)).toBe(12);
    expect(v.get(ApiKey.CreateTopics)).toBe(apiCodecs.get(ApiKey.CreateTopics)!.maxVersion);
  });

  it('explains an unreachable broker and a bad address', async () => {
    await expect(Connection.open({ host: '127.0.0.1', port: 1 })).rejects.toThrow('cannot connect to 127.0.0.1:1: ECONNREFUSED');
    expect(() => parseAddress('localhost')).toThrow("bad broker address 'localhost'");
    expect(parseAddress('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
  });

  it('prints topic ids as Kafka does', () => {
    expect(kafkaUuid('00000000-0000-0000-0000-000000000001')).toBe('AAAAAAAAAAAAAAAAAAAAAQ');
  });

  it('produces, lists offsets and fetches', async () => {
    await createTopic(client, { name: 'client-pf', partitions: 2, replicationFactor: 1, configs: {} });
    const topic = await client.topic('client-pf');
    const p = new Producer(client, topic, { acks: -1, compression: 4 });
    await p.send([{ key: null, value: Buffer.from('a'), partition: 1 }, { key: null, value: Buffer.from('b'), partition: 1 }]);
    const conn = await client.broker(topic.partitions[1].leader);
    expect(await listOffsets(conn, 'client-pf', [1], EARLIEST)).toEqual(new Map([[1, 0n]]));
    expect(await listOffsets(conn, 'client-pf', [1], LATEST)).toEqual(new Map([[1, 2n]]));
    const [res] = await fetchOnce(conn, 'client-pf', new Map([[1, 1n]]), { maxWaitMs: 100, isolationLevel: 0 });
    expect(res.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[1n, 'b']]);
    expect(res.nextOffset).toBe(2n);
  });

  it('joins a group, commits, and lists, describes and deletes groups', async () => {
    await createTopic(client, { name: 'client-g', partitions: 3, replicationFactor: 1, configs: {} });
    const m = new GroupMember(client, { groupId: 'client-group', topics: ['client-g'], sessionTimeoutMs: 10_000 });
    const a = await m.join();
    expect(a.get('client-g')).toEqual([0, 1, 2]);
    expect(await m.heartbeat()).toBe(true);
    await m.commit('client-g', new Map([[0, 5n]]));
    expect((await m.committed('client-g', [0, 1])).get(0)).toBe(5n);
    expect((await listGroups(client)).map((g) => g.groupId)).toContain('client-group');
    const [d] = await describeGroups(client, ['client-group']);
    expect(d).toMatchObject({ groupId: 'client-group', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d.members.map((x) => x.memberId)).toEqual([m.memberId]);
    await m.leave();
    expect(await deleteGroups(client, ['client-group'])).toEqual([{ groupId: 'client-group', errorCode: 0 }]);
  });

  it('skips aborted transactions under read_committed', async () => {
    const kafka = new Kafka({ clientId: 'cli-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    await createTopic(client, { name: 'client-txn', partitions: 1, replicationFactor: 1, configs: {} });
    const producer = kafka.producer({ transactionalId: 'cli-tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    for (const [value, commit] of [['c1', true], ['a1', false], ['c2', true]] as const) {
      const t = await producer.transaction();
      await t.send({ topic: 'client-txn', messages: [{ value }] });
      await (commit ? t.commit() : t.abort());
    }
    await producer.disconnect();
    const conn = await client.broker((await client.topic('client-txn')).partitions[0].leader);
    const read = async (isolationLevel: number): Promise<string[]> => {
      const [res] = await fetchOnce(conn, 'client-txn', new Map([[0, 0n]]), { maxWaitMs: 100, isolationLevel });
      return res.records.map((r) => r.value!.toString());
    };
    expect(await read(1)).toEqual(['c1', 'c2']);
    expect(await read(0)).toEqual(['c1', 'a1', 'c2']);
  }, 60_000);

  it('assigns ranges as Kafka RangeAssignor does', () => {
    const subs = new Map([
      ['m-b', ['t']],
      ['m-a', ['t']],
      ['m-c', ['t', 'u']],
    ]);
    const out = rangeAssign(subs, new Map([['t', 7], ['u', 2]]));
    expect(out.get('m-a')).toEqual(new Map([['t', [0, 1, 2]]]));
    expect(out.get('m-b')).toEqual(new Map([['t', [3, 4]]]));
    expect(out.get('m-c')).toEqual(new Map([['t', [5, 6]], ['u', [0, 1]]]));
    const enc = encodeAssignment(out.get('m-c')!);
    expect(decodeAssignment(enc)).toEqual(out.get('m-c'));
  });
});
