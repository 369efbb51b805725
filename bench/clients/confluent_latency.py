"""End-to-end latency with confluent-kafka: a producer thread sends RATE records/s of SIZE bytes for
SECONDS (after a 1 s warm-up that is not counted), each stamped with perf_counter_ns() in its first 8
bytes; a consumer (assign(), fetch.wait.max.ms low) in the same process computes receive - send.
Prints one JSON line with p50/p90/p99/max in ms. Used by bench/produce.ts.
  /usr/bin/python3 bench/clients/confluent_latency.py BOOTSTRAP TOPIC RATE SECONDS SIZE
"""
import json
import struct
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic = sys.argv[1], sys.argv[2]
rate, seconds, size = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
WARMUP_S = 1.0

p = Producer({
    'bootstrap.servers': bootstrap, 'acks': 1, 'linger.ms': 0, 'compression.type': 'none',
    'enable.idempotence': False,
})
deadline = time.time() + 15
while True:
    t = p.list_topics(topic, timeout=5).topics.get(topic)
    if t is not None and t.error is None and len(t.partitions) > 0:
        break
    if time.time() > deadline:
        print(json.dumps({'error': f'topic {topic} not available'}))
        sys.exit(1)
    time.sleep(0.1)
parts = sorted(t.partitions.keys())

c = Consumer({
    'bootstrap.servers': bootstrap, 'group.id': 'runnel-bench-unused', 'enable.auto.commit': False,
    'enable.auto.offset.store': False, 'fetch.wait.max.ms': 5, 'fetch.min.bytes': 1,
    'fetch.error.backoff.ms': 5,
})
c.assign([TopicPartition(topic, q, OFFSET_BEGINNING) for q in parts])

warm = int(rate * WARMUP_S)
total = warm + int(rate * seconds)
pad = b'x' * max(0, size - 9)
lat = []
received = [0]
done = threading.Event()


def consume():
    stop_at = None
    while received[0] < total:
        m = c.poll(0.05)  # returns as soon as one record is there (consume() waits for num_messages)
        now = time.perf_counter_ns()
        if m is not None and m.error() is None:
            v = m.value()
            sent, = struct.unpack_from('>Q', v, 0)
            if v[8] == 1:  # measured (not warm-up)
                lat.append(now - sent)
            received[0] += 1
        if done.is_set():
            stop_at = stop_at or time.time() + 10
            if time.time() > stop_at:
                break


th = threading.Thread(target=consume)
th.start()
t0 = time.perf_counter()
for i in range(total):
    due = t0 + i / rate
    while True:
        d = due - time.perf_counter()
        if d <= 0:
            break
        time.sleep(d if d > 0.0002 else 0)
    flag = b'\x01' if i >= warm else b'\x00'
    p.produce(topic, struct.pack('>Q', time.perf_counter_ns()) + flag + pad)
    p.poll(0)
p.flush(30)
sent_seconds = time.perf_counter() - t0
done.set()
th.join()
c.close()

lat.sort()


def pct(q):
    if not lat:
        return None
    return lat[min(len(lat) - 1, int(q * len(lat)))] / 1e6


print(json.dumps({
    'sent': total - warm, 'received': len(lat), 'rateActual': total / sent_seconds,
    'p50': pct(0.50), 'p90': pct(0.90), 'p99': pct(0.99), 'max': lat[-1] / 1e6 if lat else None,
}))
