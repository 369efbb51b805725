"""Produce throughput with confluent-kafka (librdkafka): N records of SIZE bytes, acks=1, as fast as
produce()/poll(0) allow (linger.ms=5, batch.size=1000000), then flush. With RATE > 0 the records
are paced at RATE per second instead, with linger.ms=0, so that nearly every record is its own
Produce request (a per-request cost probe). Prints one JSON line. Used by bench/produce.ts.
  /usr/bin/python3 bench/clients/confluent_produce.py BOOTSTRAP TOPIC COUNT SIZE [WARMUP] [RATE]
"""
import json
import os
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 0
rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0

failed = []


def on_error(err, msg):  # delivery.report.only.error: called for failures only
    if err is not None:
        failed.append(str(err))


p = Producer({
    'bootstrap.servers': bootstrap,
    'acks': 1,
    'linger.ms': 0 if rate > 0 else 5,
    'batch.size': 1000000,
    'compression.type': 'none',
    'enable.idempotence': False,
    'queue.buffering.max.messages': 1000000,
    'queue.buffering.max.kbytes': 1048576,
    'delivery.report.only.error': True,
    'on_delivery': on_error,
})

# Wait for the topic (auto-created on Metadata by Runnel; the sink knows every name).
deadline = time.time() + 15
while True:
    md = p.list_topics(topic, timeout=5)
    t = md.topics.get(topic)
    if t is not None and t.error is None and len(t.partitions) > 0:
        break
    if time.time() > deadline:
        print(json.dumps({'error': f'topic {topic} not available: {t.error if t else None}'}))
        sys.exit(1)
    time.sleep(0.1)

value = os.urandom(size)


def run_paced(n):
    t0 = time.perf_counter()
    for i in range(n):
        due = t0 + i / rate
        while True:
            d = due - time.perf_counter()
            if d <= 0:
                break
            time.sleep(d if d > 0.0002 else 0)
        p.produce(topic, value)
        p.poll(0)
    return p.flush(60)


def run(n):
    if rate > 0:
        return run_paced(n)
    produce = p.produce
    poll = p.poll
    i = 0
    while i < n:
        try:
            produce(topic, value)
            i += 1
        except BufferError:
            poll(0.0005)
            continue
        if i & 0x3ff == 0:
            poll(0)
    remaining = p.flush(60)
    return remaining


if warmup:
    run(warmup)
t0 = time.perf_counter()
left = run(count)
dt = time.perf_counter() - t0
print(json.dumps({
    'records': count, 'seconds': dt, 'recordsPerSec': count / dt, 'mbPerSec': count * size / dt / 1e6,
    'failed': len(failed) + left, 'firstError': failed[0] if failed else None,
}))
