/**
 * What consumers fetched from this broker, split by whether it served them as the partition's
 * leader or as a follower (fetch from follower, KIP-392), and how often it pointed a consumer at a
 * follower instead (a preferred read replica in a Fetch response). Together they show where a
 * client with client.rack read its records.
 */
import { Counter, type Registry } from 'prom-client';
import { HeaderOffset } from '../protocol/record-batch.js';

export type ServedAs = 'leader' | 'follower';

/** Records in whole batches (their header counts; a partial batch at the end is not counted). */
export function recordsIn(batches: Buffer): number {
  let n = 0;
  for (let pos = 0; pos + HeaderOffset.RECORDS_COUNT + 4 <= batches.length; ) {
    const size = batches.readInt32BE(pos + HeaderOffset.LENGTH) + 12;
    if (size < 12 || pos + size > batches.length) break;
    n += batches.readInt32BE(pos + HeaderOffset.RECORDS_COUNT);
    pos += size;
  }
  return n;
}

export class ConsumerFetchMetrics {
  private readonly bytes: Counter<'topic' | 'served_as'>;
  private readonly records: Counter<'topic' | 'served_as'>;
  private readonly redirects: Counter<'topic'>;

  constructor(r: Registry) {
    this.bytes = new Counter({ name: 'runnel_consumer_fetch_bytes_total', help: 'Record batch bytes served to consumers, by whether this broker served them as leader or as follower (KIP-392)', labelNames: ['topic', 'served_as'], registers: [r] });
    this.records = new Counter({ name: 'runnel_consumer_fetch_records_total', help: 'Records served to consumers, by whether this broker served them as leader or as follower (KIP-392)', labelNames: ['topic', 'served_as'], registers: [r] });
    this.redirects = new Counter({ name: 'runnel_preferred_read_replica_responses_total', help: 'Fetch responses in which this broker, as leader, named a follower as preferred read replica (KIP-392)', labelNames: ['topic'], registers: [r] });
  }

  served(topic: string, as: ServedAs, batches: Buffer): void {
    if (batches.length === 0) return;
    this.bytes.inc({ topic, served_as: as }, batches.length);
    this.records.inc({ topic, served_as: as }, recordsIn(batches));
  }

  redirected(topic: string): void {
    this.redirects.inc({ topic });
  }
}
