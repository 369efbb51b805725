/**
 * One error mapping per subsystem, the same in every handler: an unexpected error (a bug) is
 * UNKNOWN_SERVER_ERROR from group, transaction and admin handlers alike, logged once, as Kafka
 * answers an unexpected exception; a coordinator whose state cannot be written answers
 * NOT_COORDINATOR from group and transaction handlers alike, as Kafka's coordinators map a
 * KAFKA_STORAGE_ERROR from their internal topic. Before, the group handlers answered
 * COORDINATOR_NOT_AVAILABLE for both, the transaction handlers closed the connection (the
 * coordinator rejected), and AlterConfigs answered KAFKA_STORAGE_ERROR for a bug.
 */
import { markerSender } from '../../src/transactions/marker-sender.js';
import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { BrokerConfig } from '../../src/config/config.js';
import { TxnCoordinator, type TxnPorts } from '../../src/transactions/txn-coordinator.js';
import { ProducerIdAllocator } from '../../src/producers/producer-ids.js';
import { StorageError } from '../../src/storage/log.js';
import offsetCommit from '../../src/handlers/08-offset-commit.js';
import initProducerId from '../../src/handlers/22-init-producer-id.js';
import alterConfigs from '../../src/handlers/33-alter-configs.js';
import deleteGroups from '../../src/handlers/42-delete-groups.js';
import offsetDelete from '../../src/handlers/47-offset-delete.js';
import type { BrokerServices, HandlerContext } from '../../src/handlers/types.js';
import { tempDir, newLog } from '../storage/helpers.js';
import { testClient } from '../helpers/client-info.js';
import { ALLOW_ALL } from '../../src/ports/authorizer.js';

const UNKNOWN_SERVER_ERROR = -1;
const NOT_COORDINATOR = 16;
const KAFKA_STORAGE_ERROR = 56;

/** A logger that keeps its error lines, to count them. */
function capturingLogger() {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'error' }, { write: (s: string) => void lines.push(s) }) };
}

/**
 * Coordinators and dynamic configs that fail with `failure`, and a real transaction coordinator:
 * its __transaction_state log offline (`offline`), or its producer id allocation failing.
 */
async function brokerFailingWith(failure: () => Error, log: ReturnType<typeof capturingLogger>['log'], offline = false) {
  const fail = () => Promise.reject(failure());
  const config = new BrokerConfig({});
  const group = { members: new Map(), subscribedTopics: () => new Set<string>() };
  const groups = {
    coordinatorError: () => 0,
    loadInProgress: () => false,
    commitError: () => 0,
    commit: fail,
    deleteGroup: fail,
    deleteOffsets: fail,
    group: () => group,
    consumer: { groups: new Map() },
  };
  const dir = await tempDir();
  const txnLog = await newLog(await tempDir(), { cleanupPolicy: ['compact'] });
  const ports: TxnPorts = { markers: markerSender(() => undefined), topicExists: () => true, completeTxnOffsets: async () => undefined };
  const ids = await ProducerIdAllocator.open(dir);
  const failingIds = { allocate: fail } as unknown as ProducerIdAllocator;
  const transactions = new TxnCoordinator(config, [txnLog], offline ? ids : failingIds, ports, log);
  await transactions.load(); // one node: it coordinates every partition of __transaction_state
  if (offline) (txnLog as unknown as { failed?: Error }).failed = new Error('disk gone');
  const broker = {
    config,
    nodeId: 1,
    log,
    topics: { get: (name: string) => (name === 't' ? { name: 't', partitions: 1 } : undefined) },
    groups,
    transactions,
    dynamicConfigs: { alterBroker: fail },
    authorizer: ALLOW_ALL,
  } as unknown as BrokerServices;
  const ctx = (apiKey: number, apiVersion: number): HandlerContext => ({
    apiVersion,
    header: { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 1, clientId: 'test' },
    client: testClient(),
    broker,
    log,
  });
  return { ctx, close: () => transactions.close() };
}

const commitReq = { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }] };

async function answers(ctx: (apiKey: number, apiVersion: number) => HandlerContext) {
  type Codes = { topics: Array<{ partitions: Array<{ errorCode: number }> }> };
  const commit = (await offsetCommit.handle(commitReq as never, ctx(8, 8))) as Codes;
  const init = (await initProducerId.handle({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 } as never, ctx(22, 4))) as { errorCode: number };
  return {
    offsetCommit: commit.topics[0].partitions[0].errorCode,
    initProducerId: init.errorCode,
    deleteGroups: ((await deleteGroups.handle({ groupsNames: ['g'] } as never, ctx(42, 2))) as { results: Array<{ errorCode: number }> }).results[0].errorCode,
    offsetDelete: ((await offsetDelete.handle({ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] } as never, ctx(47, 0))) as { errorCode: number }).errorCode,
  };
}

describe('errors become Kafka codes the same way in every handler', () => {
  it('an unexpected error is UNKNOWN_SERVER_ERROR from group, transaction and admin handlers alike, logged once each', async () => {
    const { lines, log } = capturingLogger();
    const { ctx, close } = await brokerFailingWith(() => new TypeError('a bug'), log);
    try {
      const codes = await answers(ctx);
      const alter = (await alterConfigs.handle({ resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.cleaner.threads', value: '2' }] }], validateOnly: false } as never, ctx(33, 2))) as {
        responses: Array<{ errorCode: number }>;
      };
      expect({ ...codes, alterConfigs: alter.responses[0].errorCode }).toEqual({
        offsetCommit: UNKNOWN_SERVER_ERROR,
        initProducerId: UNKNOWN_SERVER_ERROR,
        deleteGroups: UNKNOWN_SERVER_ERROR,
        offsetDelete: UNKNOWN_SERVER_ERROR,
        alterConfigs: UNKNOWN_SERVER_ERROR,
      });
      expect(lines.filter((l) => l.includes('a bug'))).toHaveLength(5);
    } finally {
      close();
    }
  });

  it('a coordinator whose state cannot be written answers NOT_COORDINATOR from group and transaction handlers alike', async () => {
    const { lines, log } = capturingLogger();
    const { ctx, close } = await brokerFailingWith(() => new StorageError(KAFKA_STORAGE_ERROR, 'log is offline: disk gone'), log, true);
    try {
      expect(await answers(ctx)).toEqual({ offsetCommit: NOT_COORDINATOR, initProducerId: NOT_COORDINATOR, deleteGroups: NOT_COORDINATOR, offsetDelete: NOT_COORDINATOR });
      expect(lines.filter((l) => l.includes('disk gone'))).toHaveLength(4);
    } finally {
      close();
    }
  });
});
