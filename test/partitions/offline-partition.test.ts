/**
 * A partition whose log went offline (a failed write; simulated as test/transactions/txn-v2.test.ts
 * does, through the log's `failed` field) answers the same Kafka error from every partition API:
 * KAFKA_STORAGE_ERROR, as Kafka's ReplicaManager.getPartitionOrError does for an offline partition.
 */
import { ClientQuotas } from '../../src/quotas/client-quotas.js';
import { LocalQuotaStore } from '../../src/quotas/quota-store.js';
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/config.js';
import { TopicRegistry } from '../../src/cluster/topics.js';
import { singleNodeOwner } from '../helpers/metadata-owner.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { createBatch } from '../../src/protocol/records.js';
import { silentLogger as silent } from '../../src/util/logger.js';
import produce from '../../src/handlers/00-produce.js';
import fetch from '../../src/handlers/01-fetch.js';
import listOffsets from '../../src/handlers/02-list-offsets.js';
import deleteRecords from '../../src/handlers/21-delete-records.js';
import type { BrokerServices, HandlerContext } from '../../src/handlers/types.js';
import { testClient } from '../helpers/client-info.js';
import { ALLOW_ALL } from '../../src/ports/authorizer.js';

const KAFKA_STORAGE_ERROR = 56;
const ZERO = '00000000-0000-0000-0000-000000000000';
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-offline-'));
  dirs.push(dir);
  const config = new BrokerConfig({ 'log.dirs': dir });
  const registry = await TopicRegistry.open(dir);
  const logs = await LogManager.open(config, [], (n) => registry.get(n)?.configs ?? {}, silent);
  const topics = await singleNodeOwner(registry, logs);
  const { LogPartitionManager } = await import('../../src/partitions/log-partitions.js');
  const metrics = { produced: () => undefined, fetched: () => undefined, partitionError: () => undefined };
  const quotas = new ClientQuotas(await LocalQuotaStore.open(undefined), { samples: 11, windowMs: 1000 });
  const broker = { config, topics, logs, partitions: new LogPartitionManager(logs, topics), metrics, quotas, authorizer: ALLOW_ALL, log: silent } as unknown as BrokerServices;
  const ctx = (apiKey: number, apiVersion: number): HandlerContext => ({
    apiVersion,
    header: { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 1, clientId: 'test' },
    client: testClient(),
    broker,
    log: silent,
  });
  return { logs, topics, ctx };
}

const produceReq = (topic: string) => ({
  transactionalId: null,
  acks: 1,
  timeoutMs: 5000,
  topicData: [{ name: topic, topicId: ZERO, partitionData: [{ index: 0, records: createBatch([{ key: null, value: Buffer.from('v') }]) }] }],
});

describe('an offline partition', () => {
  it('answers KAFKA_STORAGE_ERROR from Produce, Fetch, ListOffsets and DeleteRecords alike', async () => {
    const { logs, topics, ctx } = await setup();
    await topics.createNew('off', 1);
    const first = (await produce.handle(produceReq('off') as never, ctx(0, 9))) as { responses: Array<{ partitionResponses: Array<{ errorCode: number }> }> };
    expect(first.responses[0].partitionResponses[0].errorCode).toBe(0);

    (logs.partition('off', 0) as unknown as { failed?: Error }).failed = new Error('disk gone');
    try {
      const p = (await produce.handle(produceReq('off') as never, ctx(0, 9))) as { responses: Array<{ partitionResponses: Array<{ errorCode: number }> }> };
      const f = (await fetch.handle(
        {
          replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: 'off', topicId: ZERO, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
          forgottenTopicsData: [], rackId: '',
        } as never,
        ctx(1, 4),
      )) as { responses: Array<{ partitions: Array<{ errorCode: number }> }> };
      const l = (await listOffsets.handle(
        { replicaId: -1, isolationLevel: 0, topics: [{ name: 'off', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] } as never,
        ctx(2, 7),
      )) as { topics: Array<{ partitions: Array<{ errorCode: number }> }> };
      const d = (await deleteRecords.handle({ topics: [{ name: 'off', partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 } as never, ctx(21, 2))) as {
        topics: Array<{ partitions: Array<{ errorCode: number }> }>;
      };
      expect({
        produce: p.responses[0].partitionResponses[0].errorCode,
        fetch: f.responses[0].partitions[0].errorCode,
        listOffsets: l.topics[0].partitions[0].errorCode,
        deleteRecords: d.topics[0].partitions[0].errorCode,
      }).toEqual({ produce: KAFKA_STORAGE_ERROR, fetch: KAFKA_STORAGE_ERROR, listOffsets: KAFKA_STORAGE_ERROR, deleteRecords: KAFKA_STORAGE_ERROR });
    } finally {
      (logs.partition('off', 0) as unknown as { failed?: Error }).failed = undefined;
      await logs.close();
    }
  });
});
