"""Consume throughput with confluent-kafka (librdkafka): assign() every partition of TOPIC from the
beginning (group.id set because librdkafka requires it, no commits, no subscribe) and read COUNT
records. Timed from the first record to the last. Prints one JSON line. Used by bench/produce.ts.
  /usr/bin/python3 bench/clients/confluent_consume.py BOOTSTRAP TOPIC COUNT
"""
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'runnel-bench-unused',
    'enable.auto.commit': False,
    'enable.auto.offset.store': False,
    'fetch.wait.max.ms': 100,
    'fetch.max.bytes': 52428800,
    'max.partition.fetch.bytes': 1048576,
    'queued.max.messages.kbytes': 262144,
})
md = c.list_topics(topic, timeout=10)
parts = sorted(md.topics[topic].partitions.keys())
c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])

got = 0
nbytes = 0
errors = 0
first = None
t_start = time.perf_counter()
deadline = time.time() + 60
while got < count and time.time() < deadline:
    msgs = c.consume(num_messages=10000, timeout=1.0)
    for m in msgs:
        if m.error() is not None:
            errors += 1
            continue
        if first is None:
            first = time.perf_counter()
        got += 1
        nbytes += len(m.value())
end = time.perf_counter()
c.close()
dt = end - (first or t_start)
print(json.dumps({
    'records': got, 'expected': count, 'seconds': dt, 'setupSeconds': (first or end) - t_start,
    'recordsPerSec': got / dt if dt > 0 else 0, 'mbPerSec': nbytes / dt / 1e6 if dt > 0 else 0, 'errors': errors,
}))
