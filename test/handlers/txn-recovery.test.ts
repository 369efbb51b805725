/**
 * A broker crash between "prepare commit" and the markers: the next start finds the prepared state
 * in __transaction_state and writes the markers, so the transaction commits whole — no
 * read_committed reader ever sees it half-done.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { TxnCoordinator } from '../../src/transactions/txn-coordinator.js';
import { ProducerIdAllocator } from '../../src/producers/producer-ids.js';
import { createBatch } from '../../src/protocol/records.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { silentLogger } from '../../src/util/logger.js';
import { markerSender } from '../../src/transactions/marker-sender.js';
import { LogPartition } from '../../src/partitions/log-partitions.js';
import { tempDir, newLog } from '../storage/helpers.js';

describe('transaction recovery', () => {
  for (const commit of [true, false]) {
    it(`finishes a transaction interrupted after prepare-${commit ? 'commit' : 'abort'}`, async () => {
      const dir = await tempDir();
      const txnLog = await newLog(await tempDir(), { cleanupPolicy: ['compact'] });
      const data = await newLog(dir);
      const config = new BrokerConfig({});
      let crash = false;
      const ports = {
        markers: markerSender(() => {
          if (crash) throw new Error('simulated crash before the markers');
          return new LogPartition(data);
        }),
        topicExists: () => true,
        completeTxnOffsets: async () => undefined,
      };
      const ids = await ProducerIdAllocator.open(dir);
      const first = new TxnCoordinator(config, [txnLog], ids, ports, silentLogger);
      const p = await first.initProducer('t', 60_000);
      await first.addPartitions('t', p.producerId, p.producerEpoch, [{ topic: 't', partition: 0 }]);
      const b = createBatch([{ key: null, value: Buffer.from('in-txn') }], { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0, transactional: true });
      await data.append(b, readBatchHeader(b));
      expect(data.lastStableOffset).toBe(0);
      crash = true;
      // The coordinator answers a code (txnErrorCode) instead of rejecting: the unexpected failure is UNKNOWN_SERVER_ERROR.
      expect(await first.endTxn('t', p.producerId, p.producerEpoch, commit)).toMatchObject({ errorCode: -1 });
      expect(first.txns.get('t')!.state).toBe(commit ? 'PrepareCommit' : 'PrepareAbort');
      expect(data.lastStableOffset).toBe(0); // still open: nothing was half-written
      first.close();

      crash = false;
      const second = new TxnCoordinator(config, [txnLog], ids, ports, silentLogger);
      await second.load();
      expect(second.txns.get('t')!.state).toBe(commit ? 'CompleteCommit' : 'CompleteAbort');
      expect(data.lastStableOffset).toBe(data.highWatermark);
      expect(data.highWatermark).toBe(2); // the record and its marker
      expect(data.txns.aborted.length).toBe(commit ? 0 : 1);
      second.close();
    });
  }
});
