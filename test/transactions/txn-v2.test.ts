/**
 * EndTxn decisions (both protocol versions' tables), the coordinator's version 2 bumps when a
 * producer id runs out of epochs (a new id, and a crash between prepare and markers finished with
 * it), and the partition side: a version 2 marker moves the producer to its epoch and restarts
 * sequences.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { TxnCoordinator, type TxnPorts } from '../../src/transactions/txn-coordinator.js';
import { decideEndTxnV1, decideEndTxnV2, decideInitProducer, type EndTxnView, type TxnState } from '../../src/transactions/txn-rules.js';
import { ProducerIdAllocator } from '../../src/producers/producer-ids.js';
import { ProducerStateTable } from '../../src/producers/producer-state.js';
import { createBatch } from '../../src/protocol/records.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import { markerSender } from '../../src/transactions/marker-sender.js';
import { LogPartition } from '../../src/partitions/log-partitions.js';
import { join } from 'node:path';
import { tempDir, newLog, reopen } from '../storage/helpers.js';

const UNKNOWN_SERVER_ERROR = -1;
const NOT_COORDINATOR = 16;

const view = (state: TxnState, producerEpoch = 5, previousProducerId = -1n): EndTxnView => ({ producerId: 1n, producerEpoch, previousProducerId, state });
const outcome = (d: ReturnType<typeof decideEndTxnV2>) => (d.kind === 'error' ? d.errorCode : d.kind === 'answer' ? 'answer' : d.nothingAdded ? 'bump' : d.commit ? 'commit' : 'abort');

describe('EndTxn rules', () => {
  it('version 2: the table of KIP-890 (retry = the epoch before the bump, current = the epoch now)', () => {
    const rows: Array<[TxnState, string, string, string, string]> = [
      // state, abort retry, abort current, commit retry, commit current
      ['Empty', 90, 'bump', 90, 48],
      ['CompleteAbort', 'answer', 'bump', 48, 48],
      ['CompleteCommit', 48, 'bump', 'answer', 48],
      ['Ongoing', 90, 'abort', 90, 'commit'],
      ['PrepareCommit', 48, 90, 51, 90],
      ['PrepareAbort', 51, 90, 48, 90],
    ].map((r) => r.map(String) as [TxnState, string, string, string, string]);
    for (const [state, abortRetry, abortNow, commitRetry, commitNow] of rows) {
      const t = view(state);
      expect([state, String(outcome(decideEndTxnV2(t, { producerId: 1n, producerEpoch: 4, commit: false })))]).toEqual([state, abortRetry]);
      expect([state, String(outcome(decideEndTxnV2(t, { producerId: 1n, producerEpoch: 5, commit: false })))]).toEqual([state, abortNow]);
      expect([state, String(outcome(decideEndTxnV2(t, { producerId: 1n, producerEpoch: 4, commit: true })))]).toEqual([state, commitRetry]);
      expect([state, String(outcome(decideEndTxnV2(t, { producerId: 1n, producerEpoch: 5, commit: true })))]).toEqual([state, commitNow]);
    }
    // Other producer ids, and epochs from the future, are refused; a retry after a producer id rotation is recognised.
    expect(outcome(decideEndTxnV2(view('CompleteCommit'), { producerId: 2n, producerEpoch: 5, commit: true }))).toBe(49);
    expect(outcome(decideEndTxnV2(view('CompleteCommit'), { producerId: 1n, producerEpoch: 6, commit: true }))).toBe(90);
    expect(outcome(decideEndTxnV2(undefined, { producerId: 1n, producerEpoch: 0, commit: true }))).toBe(49);
    const rotated: EndTxnView = { producerId: 2n, producerEpoch: 0, previousProducerId: 1n, state: 'CompleteCommit' };
    expect(outcome(decideEndTxnV2(rotated, { producerId: 1n, producerEpoch: 32766, commit: true }))).toBe('answer');
    expect(outcome(decideEndTxnV2(rotated, { producerId: 1n, producerEpoch: 32765, commit: true }))).toBe(49);
  });

  it('InitProducerId: names checked as Kafka checks them; a retry of a lost answer gets the epoch unchanged', () => {
    const t = { ...view('CompleteCommit'), lastProducerEpoch: 4 };
    expect(decideInitProducer(t)).toEqual({ kind: 'bump', lastEpoch: -1 });
    expect(decideInitProducer(t, { producerId: -1n, producerEpoch: -1 })).toEqual({ kind: 'bump', lastEpoch: -1 });
    expect(decideInitProducer(t, { producerId: 1n, producerEpoch: 5 })).toEqual({ kind: 'bump', lastEpoch: 5 });
    expect(decideInitProducer(t, { producerId: 1n, producerEpoch: 4 })).toEqual({ kind: 'answer' });
    expect(decideInitProducer(t, { producerId: 1n, producerEpoch: 3 })).toEqual({ kind: 'error', errorCode: 90 });
    expect(decideInitProducer(t, { producerId: 9n, producerEpoch: 5 })).toEqual({ kind: 'error', errorCode: 90 });
    expect(decideInitProducer({ ...t, state: 'Ongoing' }, { producerId: 1n, producerEpoch: 5 })).toEqual({ kind: 'fence' });
    expect(decideInitProducer({ ...t, state: 'PrepareAbort' })).toEqual({ kind: 'error', errorCode: 51 });
    const rotated = { producerId: 2n, producerEpoch: 0, previousProducerId: 1n, lastProducerEpoch: 32766, state: 'CompleteCommit' as const };
    expect(decideInitProducer(rotated, { producerId: 1n, producerEpoch: 32766 })).toEqual({ kind: 'answer' });
    expect(decideInitProducer(rotated, { producerId: 1n, producerEpoch: 100 })).toEqual({ kind: 'error', errorCode: 90 });
  });

  it('version 1: the current epoch only; completed transactions answer a same-decision retry; Empty is a state error', () => {
    expect(outcome(decideEndTxnV1(view('Ongoing'), { producerId: 1n, producerEpoch: 5, commit: true }))).toBe('commit');
    expect(outcome(decideEndTxnV1(view('Ongoing'), { producerId: 1n, producerEpoch: 4, commit: true }))).toBe(90);
    expect(outcome(decideEndTxnV1(view('CompleteCommit'), { producerId: 1n, producerEpoch: 5, commit: true }))).toBe('answer');
    expect(outcome(decideEndTxnV1(view('CompleteCommit'), { producerId: 1n, producerEpoch: 5, commit: false }))).toBe(48);
    expect(outcome(decideEndTxnV1(view('Empty'), { producerId: 1n, producerEpoch: 5, commit: false }))).toBe(48);
    expect(outcome(decideEndTxnV1(view('PrepareAbort'), { producerId: 1n, producerEpoch: 5, commit: false }))).toBe(51);
    expect(outcome(decideEndTxnV1(view('Ongoing'), { producerId: 3n, producerEpoch: 5, commit: false }))).toBe(49);
  });
});

/**
 * A coordinator over a temporary __transaction_state log and one data partition. `crashOnMarkers`
 * makes marker writes throw while on; `ports` replaces the rest of what the broker provides.
 */
async function coordinatorWith(crashOnMarkers: { on: boolean } = { on: false }, ports: Partial<TxnPorts> = {}) {
  const dir = await tempDir();
  const txnLog = await newLog(await tempDir(), { cleanupPolicy: ['compact'] });
  const data = await newLog(dir);
  const all: TxnPorts = {
    markers: markerSender(() => {
      if (crashOnMarkers.on) throw new Error('simulated crash before the markers');
      return new LogPartition(data);
    }),
    topicExists: () => true,
    completeTxnOffsets: async () => undefined,
    ...ports,
  };
  const ids = await ProducerIdAllocator.open(dir);
  const make = () => new TxnCoordinator(new BrokerConfig({}), [txnLog], ids, all, silentLogger);
  return { data, txnLog, make };
}

const write = async (data: Awaited<ReturnType<typeof newLog>>, pid: bigint, epoch: number, seq: number, v: string) => {
  const b = createBatch([{ key: null, value: Buffer.from(v) }], { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true });
  return data.append(b, readBatchHeader(b));
};

describe('version 2 coordinator: running out of epochs', () => {
  it('ends the transaction at the last epoch, then hands out a new producer id at epoch 0; a retry names the old id', async () => {
    const crash = { on: false };
    const { data, make } = await coordinatorWith(crash);
    const c = make();
    const p = await c.initProducer('x', 60_000);
    c.txns.get('x')!.producerEpoch = 32766; // as if 32766 transactions had ended
    await c.addPartitions('x', p.producerId, 32766, [{ topic: 't', partition: 0 }]);
    await write(data, p.producerId, 32766, 0, 'last');
    const r = await c.endTxn('x', p.producerId, 32766, true, true);
    expect(r.errorCode).toBe(0);
    expect(r.producerId).not.toBe(p.producerId);
    expect(r.producerEpoch).toBe(0);
    expect(data.producers.producers.get(p.producerId.toString())!.epoch).toBe(32767); // the marker's epoch
    expect(data.lastStableOffset).toBe(2);
    expect(await c.endTxn('x', p.producerId, 32766, true, true)).toEqual(r); // the retry of the lost answer
    // InitProducerId v3+ from the producer that missed the new id: the new id, unchanged (Kafka's lastProducerEpoch rule).
    const again = await c.initProducer('x', 60_000, { producerId: p.producerId, producerEpoch: 32766 });
    expect(again).toMatchObject({ errorCode: 0, producerId: r.producerId, producerEpoch: 0 });
    // Naming the new id at its epoch bumps it as usual; an old epoch of the old id is fenced.
    expect(await c.initProducer('x', 60_000, { producerId: r.producerId, producerEpoch: 0 })).toMatchObject({ errorCode: 0, producerEpoch: 1 });
    expect(await c.initProducer('x', 60_000, { producerId: p.producerId, producerEpoch: 5 })).toMatchObject({ errorCode: 90 });
    c.close();
  });

  it('a timeout at the last epoch fences and rotates; the late abort of the timed-out producer is answered as a retry', async () => {
    const { data, make } = await coordinatorWith({ on: false });
    const c = make();
    const p = await c.initProducer('late', 60_000);
    c.txns.get('late')!.producerEpoch = 32766;
    expect(await c.produceError('late', p.producerId, 32766, 't', 0, 12)).toBe(0);
    await write(data, p.producerId, 32766, 0, 'v');
    c.txns.get('late')!.startTimestamp = 0; // long past its timeout
    await c.abortTimedOut();
    const t = c.txns.get('late')!;
    expect([t.state, t.producerEpoch, t.previousProducerId]).toEqual(['CompleteAbort', 0, p.producerId]);
    expect(t.producerId).not.toBe(p.producerId);
    expect(data.txns.aborted).toHaveLength(1);
    // As Kafka's coordinator answers it (epoch exhausted, then the client's abort arrives).
    expect(await c.endTxn('late', p.producerId, 32766, false, true)).toEqual({ errorCode: 0, producerId: t.producerId, producerEpoch: 0 });
    expect(await c.endTxn('late', p.producerId, 32766, true, true)).toMatchObject({ errorCode: 48 });
    // The old id can no longer write.
    expect(await c.produceError('late', p.producerId, 32766, 't', 0, 12)).toBe(49);
    c.close();
  });

  it('a crash between prepare and markers at the last epoch finishes with the new id after restart', async () => {
    const crash = { on: false };
    const { data, make } = await coordinatorWith(crash);
    const first = make();
    const p = await first.initProducer('y', 60_000);
    first.txns.get('y')!.producerEpoch = 32766;
    await first.addPartitions('y', p.producerId, 32766, [{ topic: 't', partition: 0 }]);
    await write(data, p.producerId, 32766, 0, 'v');
    crash.on = true;
    expect(await first.endTxn('y', p.producerId, 32766, false, true)).toMatchObject({ errorCode: UNKNOWN_SERVER_ERROR }); // simulated crash: an unexpected error
    first.close();
    crash.on = false;
    const second = make();
    await second.load();
    const t = second.txns.get('y')!;
    expect(t.state).toBe('CompleteAbort');
    expect(t.producerId).not.toBe(p.producerId);
    expect([t.producerEpoch, t.previousProducerId]).toEqual([0, p.producerId]);
    expect(data.txns.aborted).toHaveLength(1);
    second.close();
  });
});

describe('coordinator failures', () => {
  it('a prepare record that cannot be written changes nothing; the end can be retried', async () => {
    const { data, txnLog, make } = await coordinatorWith();
    const c = make();
    const p = await c.initProducer('w', 60_000);
    await c.produceError('w', p.producerId, 0, 't', 0, 12);
    await write(data, p.producerId, 0, 0, 'v');
    (txnLog as unknown as { failed?: Error }).failed = new Error('disk gone');
    expect(await c.endTxn('w', p.producerId, 0, true, true)).toMatchObject({ errorCode: NOT_COORDINATOR }); // the log offline, as Kafka maps KAFKA_STORAGE_ERROR
    const t = c.txns.get('w')!;
    expect([t.state, t.producerEpoch]).toEqual(['Ongoing', 0]);
    (txnLog as unknown as { failed?: Error }).failed = undefined;
    expect(await c.endTxn('w', p.producerId, 0, true, true)).toMatchObject({ errorCode: 0, producerEpoch: 1 });
    expect(data.lastStableOffset).toBe(data.highWatermark);
    c.close();
  });

  it('markers that could not be written are finished by the periodic task, not only at restart', async () => {
    const crash = { on: false };
    const { data, make } = await coordinatorWith(crash);
    const c = make();
    const p = await c.initProducer('m', 60_000);
    await c.produceError('m', p.producerId, 0, 't', 0, 12);
    await write(data, p.producerId, 0, 0, 'v');
    crash.on = true;
    expect(await c.endTxn('m', p.producerId, 0, true, true)).toMatchObject({ errorCode: UNKNOWN_SERVER_ERROR }); // simulated crash: an unexpected error
    await c.finishPrepared(); // still failing: stays prepared, no throw
    expect(c.txns.get('m')!.state).toBe('PrepareCommit');
    expect(await c.endTxn('m', p.producerId, 0, true, true)).toMatchObject({ errorCode: 51 }); // the retry waits
    crash.on = false;
    await c.finishPrepared();
    expect(c.txns.get('m')!.state).toBe('CompleteCommit');
    expect(await c.endTxn('m', p.producerId, 0, true, true)).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 1 });
    expect(data.lastStableOffset).toBe(data.highWatermark);
    c.close();
  });
});

describe('coordinator writes', () => {
  it('a write arriving while a transition is being persisted waits (NOT_ENOUGH_REPLICAS), and joins write only what is new', async () => {
    const { txnLog, make } = await coordinatorWith();
    const c = make();
    const p = await c.initProducer('slow', 60_000);
    expect(await c.produceError('slow', p.producerId, 0, 't', 0, 12)).toBe(0);
    expect(await c.offsetCommitError('slow', p.producerId, 0, 'g', 5)).toBe(0);
    // Joining again with what the transaction already has writes nothing to __transaction_state.
    const records = txnLog.highWatermark;
    expect(await c.produceError('slow', p.producerId, 0, 't', 0, 12)).toBe(0);
    expect(await c.offsetCommitError('slow', p.producerId, 0, 'g', 5)).toBe(0);
    expect(txnLog.highWatermark).toBe(records);
    // Hold the prepare record's write: the transaction is still Ongoing in memory, but ending.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const append = txnLog.append.bind(txnLog);
    txnLog.append = async (...args: Parameters<typeof append>) => {
      await gate;
      return append(...args);
    };
    const ending = c.endTxn('slow', p.producerId, 0, true, true);
    await new Promise((r) => setTimeout(r, 20));
    // Version 1 gets a retriable answer at once; version 2 waits for the end, then is fenced by its bump.
    expect(await c.produceError('slow', p.producerId, 0, 't', 0, 11)).toBe(19);
    const late = c.produceError('slow', p.producerId, 0, 't', 0, 12);
    release();
    expect(await ending).toMatchObject({ errorCode: 0, producerEpoch: 1 });
    expect(await late).toBe(47);
    c.close();
  });
});

describe('coordinator restarts', () => {
  it('a crash after the markers but before the complete record: the markers are written again, harmlessly', async () => {
    let crash = true;
    const { data, make } = await coordinatorWith(undefined, {
      completeTxnOffsets: async () => {
        if (crash) throw new Error('simulated crash after the markers');
      },
    });
    const first = make();
    const p = await first.initProducer('twice', 60_000);
    await first.produceError('twice', p.producerId, 0, 't', 0, 12);
    await first.offsetCommitError('twice', p.producerId, 0, 'g', 5);
    await write(data, p.producerId, 0, 0, 'v');
    expect(await first.endTxn('twice', p.producerId, 0, false, true)).toMatchObject({ errorCode: UNKNOWN_SERVER_ERROR }); // after the markers: an unexpected error
    expect(data.highWatermark).toBe(2); // record + abort marker
    first.close();
    crash = false;
    const second = make();
    await second.load();
    expect(second.txns.get('twice')!).toMatchObject({ state: 'CompleteAbort', producerEpoch: 1 });
    expect(data.highWatermark).toBe(3); // the marker again
    expect(data.txns.aborted).toHaveLength(1); // one aborted transaction, not two
    expect(data.lastStableOffset).toBe(3);
    // The producer goes on at the bumped epoch.
    expect(await second.endTxn('twice', p.producerId, 1, false, true)).toMatchObject({ errorCode: 0, producerEpoch: 2 });
    second.close();
  });
});

describe('producer-facing coordinator errors', () => {
  it('a write while an end is still being written gets NOT_ENOUGH_REPLICAS (retried by every client), a stale epoch INVALID_PRODUCER_EPOCH', async () => {
    const crash = { on: false };
    const { make } = await coordinatorWith(crash);
    const c = make();
    const p = await c.initProducer('z', 60_000);
    expect(await c.produceError('z', p.producerId, p.producerEpoch, 't', 0, 12)).toBe(0); // added by the write
    crash.on = true;
    expect(await c.endTxn('z', p.producerId, p.producerEpoch, true)).toMatchObject({ errorCode: UNKNOWN_SERVER_ERROR }); // simulated crash: an unexpected error
    for (const v of [12, 11, 9]) expect(await c.produceError('z', p.producerId, p.producerEpoch, 't', 0, v)).toBe(19);
    expect(await c.produceError('z', p.producerId, p.producerEpoch - 1, 't', 0, 12)).toBe(47);
    expect(await c.produceError('nobody', p.producerId, p.producerEpoch, 't', 0, 12)).toBe(49);
    c.close();
  });
});

describe('partition producer state and version 2 markers', () => {
  it('the partition itself refuses a late batch of the epoch before a version 2 marker, also after an unclean restart', async () => {
    const { data, make } = await coordinatorWith({ on: false });
    const c = make();
    const p = await c.initProducer('part', 60_000);
    await c.produceError('part', p.producerId, 0, 't', 0, 12);
    await write(data, p.producerId, 0, 0, 'a');
    expect(await c.endTxn('part', p.producerId, 0, true, true)).toMatchObject({ producerEpoch: 1 });
    // Straight to the log, past the coordinator: the marker's epoch fences it.
    await expect(write(data, p.producerId, 0, 1, 'zombie')).rejects.toMatchObject({ errorCode: 47 });
    await write(data, p.producerId, 1, 0, 'next');
    c.close();
    await data.flush();
    // No snapshot (as after kill -9): the state is rebuilt from batch headers, markers included.
    const dir = (data as unknown as { dir: string }).dir;
    const again = await reopen(join(dir, '..'), { clean: false });
    expect(again.producers.producers.get(p.producerId.toString())!.epoch).toBe(1);
    await expect(write(again, p.producerId, 0, 2, 'zombie')).rejects.toMatchObject({ errorCode: 47 });
    await again.close();
  });

  it('a marker with a newer epoch fences the old epoch and restarts sequences at 0', () => {
    const s = new ProducerStateTable();
    s.record({ producerId: 7n, producerEpoch: 3, baseSequence: 0, lastOffsetDelta: 4 }, 0, 1);
    s.recordMarker(7n, 4, 2);
    expect(s.check({ producerId: 7n, producerEpoch: 3, baseSequence: 5, lastOffsetDelta: 0 })).toMatchObject({ kind: 'error', errorCode: 47 });
    expect(s.check({ producerId: 7n, producerEpoch: 4, baseSequence: 5, lastOffsetDelta: 0 })).toMatchObject({ kind: 'error', errorCode: 45 });
    expect(s.check({ producerId: 7n, producerEpoch: 4, baseSequence: 0, lastOffsetDelta: 0 })).toEqual({ kind: 'append' });
    // A version 1 marker (same epoch) keeps the batches: a retry of the last one is still a duplicate.
    const v1 = new ProducerStateTable();
    v1.record({ producerId: 8n, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0 }, 10, 1);
    v1.recordMarker(8n, 0, 2);
    expect(v1.check({ producerId: 8n, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0 }).kind).toBe('duplicate');
  });
});

describe('version 2 under arbitrary request sequences', () => {
  it('never throws, never lowers an epoch, answers successes with the current producer, and leaves no transaction half-open', async () => {
    const fc = await import('fast-check');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), epochDelta: fc.integer({ min: -2, max: 1 }), v: fc.constantFrom(9, 11, 12, 13) }),
      fc.record({ kind: fc.constant('end' as const), epochDelta: fc.integer({ min: -2, max: 1 }), commit: fc.boolean(), v2: fc.boolean() }),
      fc.record({ kind: fc.constant('init' as const) }),
      fc.record({ kind: fc.constant('timeout' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.constantFrom(0, 32764, 32766), async (ops, startEpoch) => {
        const { data, make } = await coordinatorWith({ on: false });
        const c = make();
        let { producerId, producerEpoch } = await c.initProducer('p', 60_000);
        c.txns.get('p')!.producerEpoch = producerEpoch = startEpoch; // also near the end of a producer id's epochs
        let seq = 0;
        for (const o of ops) {
          const t = c.txns.get('p')!;
          const before = { producerId: t.producerId, producerEpoch: t.producerEpoch };
          if (o.kind === 'write') {
            const epoch = producerEpoch + o.epochDelta;
            if (epoch < 0) continue;
            const err = await c.produceError('p', producerId, epoch, 't', 0, o.v);
            if (err === 0) {
              // The partition may still refuse it (a sequence gap after a refused write): only with these codes.
              await write(data, producerId, epoch, seq, 'x').then(
                () => seq++,
                (e: { errorCode?: number }) => expect([45, 47, 59]).toContain(e.errorCode),
              );
            }
          } else if (o.kind === 'end') {
            const r = await c.endTxn('p', producerId, producerEpoch + o.epochDelta, o.commit, o.v2);
            if (r.errorCode === 0) {
              // The same id at the same or next epoch, or (epochs used up) a new id at epoch 0; never 32767.
              if (r.producerId === before.producerId) expect(r.producerEpoch - before.producerEpoch).toBeGreaterThanOrEqual(0);
              else expect(r.producerEpoch).toBe(0);
              expect(r.producerEpoch).toBeLessThan(32767);
              if (o.v2 && (r.producerId !== producerId || r.producerEpoch !== producerEpoch)) seq = 0;
              ({ producerId, producerEpoch } = r);
              expect(data.lastStableOffset).toBe(data.highWatermark);
            }
          } else if (o.kind === 'init') {
            const r = await c.initProducer('p', 60_000);
            if (r.errorCode === 0) {
              ({ producerId, producerEpoch } = r);
              seq = 0;
            } else expect(r.errorCode).toBe(51); // an open transaction is aborted first
          } else {
            t.startTimestamp = 0; // long past its timeout
            await c.abortTimedOut();
          }
          const after = c.txns.get('p')!;
          if (after.producerId === before.producerId) expect(after.producerEpoch).toBeGreaterThanOrEqual(before.producerEpoch);
          expect(after.producerEpoch).toBeLessThan(32767); // 32767 is for markers only, never a producer's
          const entry = data.producers.producers.get(after.producerId.toString());
          if (entry) expect(entry.epoch).toBeLessThanOrEqual(after.producerEpoch);
        }
        c.close();
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
