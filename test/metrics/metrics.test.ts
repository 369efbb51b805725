import { describe, it, expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/broker.js';

describe('/metrics and /health', () => {
  it('reports traffic per topic, requests per API, partitions, lag; /health is ok', async () => {
    const broker = await startBroker({ port: 0, metrics: true, config: { 'runnel.metrics.port': 0, 'runnel.fsync.on.ack': true } });
    const base = `http://127.0.0.1:${broker.metricsPort}`;
    const kafka = new Kafka({ clientId: 'm', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'metered', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'lagging', topic: 'metered', partitions: [{ partition: 0, offset: '1' }] });
    await admin.disconnect();

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/runnel_topic_records_in_total\{topic="metered"\} 3/);
    expect(text).toMatch(/runnel_request_duration_seconds_count\{api="Produce",version="\d+"\} [1-9]/);
    expect(text).toMatch(/runnel_partition_log_end_offset\{topic="metered",partition="0"\} 3/);
    expect(text).toMatch(/runnel_consumer_group_lag\{group="lagging",topic="metered",partition="0"\} 2/);
    expect(text).toMatch(/runnel_connections \d/);
    expect(text).toMatch(/runnel_log_flush_duration_seconds_count [1-9]/);
    expect(text).toMatch(/runnel_log_recovery_seconds \d/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await broker.close();
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });

  it('an embedded broker serves no metrics unless asked', async () => {
    const broker = await startBroker({ port: 0 });
    expect(broker.metricsPort).toBeUndefined();
    await broker.close();
  });
});
