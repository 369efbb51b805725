/**
 * The records of __consumer_offsets and __transaction_state are Kafka's: each record type, encoded
 * by Runnel, equals bytes built here by hand from Kafka's layout (int16 version prefix, then the
 * fields of that version; flexible versions with compact lengths and tagged fields), and decodes
 * back to what was written.
 */
import { describe, it, expect } from 'vitest';
import { decodeOffsetsRecord, encodeStoreRecord, offsetKey, offsetValue } from '../../src/groups/offsets-records.js';
import { TopicPartitionSet } from '../../src/util/topic-partition.js';
import { decodeTxnRecord, txnKey, txnValue, type StoredTxn } from '../../src/transactions/txn-log-records.js';
import type { StoreRecord, StoredConsumerMember } from '../../src/groups/group-store.js';
import { arr, bytes, carr, cat, cbytes, cnstr, cstr, i16, i32, i64, i8, nstr, str, tags, uuid } from '../helpers/bytes.js';

const TOPIC_ID = '5f1c2b3a-4d5e-4f60-8172-839405a6b7c8';
const TS = 1_700_000_000_000;

describe('__consumer_offsets records', () => {
  it('OffsetCommitKey version 1 and OffsetCommitValue version 3 (no expiry)', () => {
    const key = cat(i16(1), str('grp'), str('tp'), i32(7));
    const value = cat(i16(3), i64(42n), i32(5), str('md'), i64(TS));
    expect(offsetKey('grp', 'tp', 7).toString('hex')).toBe(key.toString('hex'));
    expect(key.toString('hex')).toBe('0001000367727000027470' + '00000007');
    const stored = { offset: '42', leaderEpoch: 5, metadata: 'md', commitTimestamp: TS, expireTimestamp: -1 };
    expect(offsetValue(stored).toString('hex')).toBe(value.toString('hex'));
    expect(decodeOffsetsRecord(key, value)).toEqual({ kind: 'offset', group: 'grp', topic: 'tp', partition: 7, value: stored });
  });

  it('OffsetCommitValue version 1 when the commit expires; key version 0 reads the same', () => {
    const value = cat(i16(1), i64(9n), str(''), i64(TS), i64(TS + 60_000));
    const stored = { offset: '9', leaderEpoch: -1, metadata: '', commitTimestamp: TS, expireTimestamp: TS + 60_000 };
    expect(offsetValue(stored).toString('hex')).toBe(value.toString('hex'));
    const key0 = cat(i16(0), str('g'), str('t'), i32(0));
    expect(decodeOffsetsRecord(key0, value)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 0, value: stored });
    expect(decodeOffsetsRecord(key0, null)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 0, value: null });
  });

  it('GroupMetadataKey (version 2) and GroupMetadataValue version 3 with a member', () => {
    const sub = Buffer.from([0, 1, 2]);
    const asg = Buffer.from([9, 8]);
    const rec: StoreRecord = {
      kind: 'group',
      group: 'cg',
      value: {
        protocolType: 'consumer',
        generation: 4,
        protocol: 'range',
        leader: 'm1',
        stateTimestamp: TS,
        members: [
          {
            memberId: 'm1',
            groupInstanceId: 'i1',
            clientId: 'c',
            clientHost: '/127.0.0.1',
            sessionTimeoutMs: 10_000,
            rebalanceTimeoutMs: 30_000,
            protocols: [
              { name: 'roundrobin', metadata: Buffer.from([7]).toString('base64') },
              { name: 'range', metadata: sub.toString('base64') },
            ],
            assignment: asg.toString('base64'),
          },
        ],
      },
    };
    const key = cat(i16(2), str('cg'));
    const member = cat(str('m1'), nstr('i1'), str('c'), str('/127.0.0.1'), i32(30_000), i32(10_000), bytes(sub), bytes(asg));
    const value = cat(i16(3), str('consumer'), i32(4), nstr('range'), nstr('m1'), i64(TS), arr([member]));
    const [e] = encodeStoreRecord(rec);
    expect(e.key.toString('hex')).toBe(key.toString('hex'));
    expect(e.value!.toString('hex')).toBe(value.toString('hex'));
    // Only the group's protocol is kept, as Kafka keeps it.
    const back = decodeOffsetsRecord(key, value);
    expect(back).toEqual({ ...rec, value: { ...rec.value, members: [{ ...(rec.value as any).members[0], protocols: [{ name: 'range', metadata: sub.toString('base64') }] }] } });
    expect(encodeStoreRecord({ kind: 'group', group: 'cg', value: null })).toEqual([{ key, value: null }]);
  });

  it('consumer group records: epoch (3), subscribed topics (4), target assignment epoch (6)', () => {
    const [target, topics, epoch] = encodeStoreRecord({ kind: 'consumer-group', group: 'ng', value: { groupEpoch: 12, assignmentEpoch: 11, subscriptionMetadata: [{ name: 'orders', id: TOPIC_ID, partitions: 3 }] } });
    expect(epoch.key.toString('hex')).toBe(cat(i16(3), str('ng')).toString('hex'));
    expect(epoch.value!.toString('hex')).toBe(cat(i16(0), i32(12), tags()).toString('hex'));
    expect(topics.key.toString('hex')).toBe(cat(i16(4), str('ng')).toString('hex'));
    expect(topics.value!.toString('hex')).toBe(cat(i16(0), carr([cat(uuid(TOPIC_ID), cstr('orders'), i32(3), carr([]), tags())]), tags()).toString('hex'));
    expect(target.key.toString('hex')).toBe(cat(i16(6), str('ng')).toString('hex'));
    expect(target.value!.toString('hex')).toBe(cat(i16(0), i32(11), tags()).toString('hex'));
    expect(decodeOffsetsRecord(epoch.key, epoch.value)).toEqual({ kind: 'consumer-group', group: 'ng', primary: true, value: { groupEpoch: 12 } });
    expect(decodeOffsetsRecord(topics.key, topics.value)).toEqual({ kind: 'consumer-group', group: 'ng', primary: false, value: { subscriptionMetadata: [{ name: 'orders', id: TOPIC_ID, partitions: 3 }] } });
  });

  it('consumer group member records: subscription (5) with classic metadata, current (8) and target (7) assignment', () => {
    const m: StoredConsumerMember = {
      memberId: 'mem',
      instanceId: null,
      rackId: 'r1',
      clientId: 'cli',
      clientHost: '/h',
      rebalanceTimeoutMs: 45_000,
      subscribedTopicNames: ['orders'],
      subscribedTopicRegex: null,
      serverAssignor: 'uniform',
      memberEpoch: 7,
      previousMemberEpoch: 6,
      state: 'unrevoked_partitions',
      assigned: { [TOPIC_ID]: [0, 2] },
      pendingRevocation: { [TOPIC_ID]: [1] },
      target: { [TOPIC_ID]: [0] },
      classic: { sessionTimeoutMs: 10_000, protocols: [{ name: 'range', metadata: Buffer.from([1, 2]).toString('base64') }] },
    };
    const [meta, current, target] = encodeStoreRecord({ kind: 'consumer-member', group: 'ng', memberId: 'mem', value: m });
    const k = (v: number) => cat(i16(v), str('ng'), str('mem')).toString('hex');
    expect([meta.key.toString('hex'), current.key.toString('hex'), target.key.toString('hex')]).toEqual([k(5), k(8), k(7)]);
    // The classic metadata is tagged field 0: a nullable struct (presence byte 1, then the struct).
    const classic = cat(i8(1), i32(10_000), carr([cat(cstr('range'), cbytes(Buffer.from([1, 2])), tags())]), tags());
    const metaValue = cat(i16(0), cnstr(null), cnstr('r1'), cstr('cli'), cstr('/h'), carr([cstr('orders')]), cnstr(null), i32(45_000), cnstr('uniform'), tags([[0, classic]]));
    expect(meta.value!.toString('hex')).toBe(metaValue.toString('hex'));
    const tp = (ps: number[]) => carr([cat(uuid(TOPIC_ID), carr(ps.map(i32)), tags())]);
    expect(current.value!.toString('hex')).toBe(cat(i16(0), i32(7), i32(6), i8(1), tp([0, 2]), tp([1]), tags()).toString('hex'));
    expect(target.value!.toString('hex')).toBe(cat(i16(0), tp([0]), tags()).toString('hex'));
    const parts = [meta, current, target].map((e) => decodeOffsetsRecord(e.key, e.value) as any);
    const { memberId, ...rest } = m;
    expect(Object.assign({}, ...parts.map((p) => p.value))).toEqual(rest);
    // A tombstone deletes the subscription record last.
    const gone = encodeStoreRecord({ kind: 'consumer-member', group: 'ng', memberId: 'mem', value: null });
    expect(gone.map((e) => [e.key.readInt16BE(0), e.value])).toEqual([[7, null], [8, null], [5, null]]);
    expect(memberId).toBe('mem');
  });

  it('record types Runnel does not use are skipped, not misread', () => {
    expect(decodeOffsetsRecord(cat(i16(11), str('share-group')), cat(i16(0), i32(1), tags()))).toBeUndefined();
  });
});

describe('__transaction_state records', () => {
  const t: StoredTxn = {
    transactionalId: 'tx-1',
    producerId: 4001n,
    producerEpoch: 3,
    previousProducerId: 17n,
    lastProducerEpoch: 2,
    nextProducerId: -1n,
    timeoutMs: 60_000,
    state: 'PrepareCommit',
    partitions: new TopicPartitionSet([{ topic: 'orders', partition: 1 }, { topic: 'orders', partition: 0 }]),
    groups: new Set(['app']),
    startTimestamp: TS,
    lastUpdate: TS + 5,
  };

  it('TransactionLogKey version 0 and TransactionLogValue version 1 with tagged fields', () => {
    expect(txnKey('tx-1').toString('hex')).toBe(cat(i16(0), str('tx-1')).toString('hex'));
    // partitionFor('app', 50): Java's "app".hashCode() = 96801, 96801 % 50 = 1
    const partitions = carr([cat(cstr('orders'), carr([i32(1), i32(0)]), tags()), cat(cstr('__consumer_offsets'), carr([i32(1)]), tags())]);
    const groups = carr([cstr('app')]);
    const expected = cat(i16(1), i64(4001n), i16(3), i32(60_000), i8(2), partitions, i64(TS + 5), i64(TS), tags([[0, i64(17n)], [10000, i16(2)], [10001, groups]]));
    expect(txnValue(t, 50).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeTxnRecord(txnKey('tx-1'), expected)).toEqual({ transactionalId: 'tx-1', value: t });
  });

  it('reads version 0 (Kafka before transaction.version 1) and Empty with a null partition list', () => {
    const v0 = cat(i16(0), i64(5n), i16(0), i32(1000), i8(0), i32(-1), i64(TS), i64(-1));
    expect(decodeTxnRecord(txnKey('x'), v0)).toEqual({
      transactionalId: 'x',
      value: { transactionalId: 'x', producerId: 5n, producerEpoch: 0, previousProducerId: -1n, lastProducerEpoch: -1, nextProducerId: -1n, timeoutMs: 1000, state: 'Empty', partitions: new TopicPartitionSet(), groups: new Set(), startTimestamp: -1, lastUpdate: TS },
    });
    const empty = txnValue({ ...t, state: 'Empty', partitions: new TopicPartitionSet(), groups: new Set(), previousProducerId: -1n, lastProducerEpoch: -1 }, 50);
    expect(empty.toString('hex')).toBe(cat(i16(1), i64(4001n), i16(3), i32(60_000), i8(0), uv0(), i64(TS + 5), i64(TS), tags()).toString('hex'));
    expect(decodeTxnRecord(txnKey('x'), null)).toEqual({ transactionalId: 'x', value: null });
  });
});

/** A null compact array. */
function uv0(): Buffer {
  return Buffer.from([0]);
}
