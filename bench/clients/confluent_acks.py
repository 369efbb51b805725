"""Produce throughput and acknowledgement latency with confluent-kafka (librdkafka) at a given acks,
for bench/cluster.ts. First waits until every partition of TOPIC has a leader and a full ISR. Then:
  throughput: COUNT records of SIZE bytes as fast as produce()/poll(0) allow (linger.ms=5,
              batch.size=1000000), then flush;
  latency:    RATE records/s for SECONDS with linger.ms=0 (after a 1 s warm-up that is not counted),
              each one's time from produce() to its delivery report (the broker's acknowledgement:
              for acks=all, once every in-sync replica has it).
Prints one JSON line.
  /usr/bin/python3 bench/clients/confluent_acks.py BOOTSTRAP TOPIC ACKS COUNT SIZE RATE SECONDS
"""
import json
import os
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, acks = sys.argv[1], sys.argv[2], sys.argv[3]
count, size, rate, seconds = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
WARMUP_S = 1.0
failed = []


def producer(linger_ms, on_delivery):
    return Producer({
        'bootstrap.servers': bootstrap, 'acks': acks, 'linger.ms': linger_ms, 'batch.size': 1000000,
        'compression.type': 'none', 'enable.idempotence': False,
        'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576,
        'on_delivery': on_delivery,
    })


def on_error(err, msg):
    if err is not None:
        failed.append(str(err))


p = producer(5, on_error)
deadline = time.time() + 30
while True:
    t = p.list_topics(topic, timeout=5).topics.get(topic)
    if t is not None and t.error is None and t.partitions and all(
            q.leader >= 0 and len(q.isrs) == len(q.replicas) for q in t.partitions.values()):
        break
    if time.time() > deadline:
        print(json.dumps({'error': f'topic {topic}: no leader or ISR not full after 30 s'}))
        sys.exit(1)
    time.sleep(0.1)
leaders = sorted({q.leader for q in t.partitions.values()})
value = os.urandom(size)

# Throughput (with a warm-up of a tenth).
for n, measured in ((count // 10, False), (count, True)):
    t0 = time.perf_counter()
    i = 0
    while i < n:
        try:
            p.produce(topic, value)
            i += 1
        except BufferError:
            p.poll(0.0005)
            continue
        if i & 0x3ff == 0:
            p.poll(0)
    left = p.flush(120)
    dt = time.perf_counter() - t0
    failed += ['undelivered'] * left
seconds_tp = dt

# Acknowledgement latency, paced.
lat = []


lp = Producer({'bootstrap.servers': bootstrap, 'acks': acks, 'linger.ms': 0, 'compression.type': 'none', 'enable.idempotence': False})
lp.list_topics(topic, timeout=10)
warm = int(rate * WARMUP_S)
total = warm + int(rate * seconds)
t0 = time.perf_counter()
for i in range(total):
    due = t0 + i / rate
    while True:
        d = due - time.perf_counter()
        if d <= 0:
            break
        lp.poll(min(d, 0.001))  # delivery reports arrive while waiting
    sent = time.perf_counter_ns()

    def report(err, msg, sent=sent, counted=i >= warm):
        if err is not None:
            failed.append(str(err))
        elif counted:
            lat.append(time.perf_counter_ns() - sent)
    lp.produce(topic, value, on_delivery=report)
    lp.poll(0)
lp.flush(30)
lat.sort()


def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] / 1e6 if lat else None


print(json.dumps({
    'leaders': leaders, 'records': count, 'seconds': seconds_tp, 'recordsPerSec': count / seconds_tp,
    'mbPerSec': count * size / seconds_tp / 1e6, 'latency': {'n': len(lat), 'p50': pct(0.5), 'p99': pct(0.99), 'max': pct(1.0)},
    'failed': len(failed), 'firstError': failed[0] if failed else None,
}))
