"""confluent-kafka (librdkafka): 1,000 keyed messages with a seq header and explicit timestamps,
produced with acks=all into a 3-partition topic and read back from the beginning.

Idempotence is off (librdkafka's default, set explicitly; the `idempotent` scenario covers it).
The consumer uses assign() rather than subscribe(): no consumer group.
"""
import time
from collections import defaultdict

from confluent_kafka import TIMESTAMP_CREATE_TIME, Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, Deliveries, check, consume_all, create_topic, report

N, KEYS, PARTITIONS = 1000, 50, 3
# Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
# segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
T0 = (int(time.time()) - 3600) * 1000  # CreateTime of seq n: T0 + 10 ms * n

how = create_topic(TOPIC, PARTITIONS)

producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "acks": "all",
    "enable.idempotence": False,
    "linger.ms": 10,
})
on_delivery = Deliveries()
delivered, errors = on_delivery.delivered, on_delivery.errors  # seq -> (partition, offset); failures


for n in range(N):
    producer.produce(TOPIC, key=f"k{n % KEYS}", value=str(n), headers=[("seq", str(n).encode())],
                     timestamp=T0 + 10 * n, on_delivery=on_delivery)
    producer.poll(0)
left = producer.flush(30)
check(left == 0, f"{left} messages still undelivered after flush(30)")
report("delivery", errors)
check(len(delivered) == N, f"{len(delivered)} of {N} delivery reports")

messages = consume_all(TOPIC, PARTITIONS, N)
problems = []
if len(messages) != N:
    problems.append(f"expected {N} messages, got {len(messages)}")
seen = defaultdict(int)
partitions_of_key = defaultdict(set)
last_seq_of_key = {}
for m in messages:
    seq = int(m.value())
    seen[seq] += 1
    key = m.key().decode()
    if key != f"k{seq % KEYS}":
        problems.append(f"seq {seq}: key {key}, expected k{seq % KEYS}")
    partitions_of_key[key].add(m.partition())
    if last_seq_of_key.get(key, -1) >= seq:
        problems.append(f"key {key}: seq {seq} came after seq {last_seq_of_key[key]}")
    last_seq_of_key[key] = seq
    if m.headers() != [("seq", str(seq).encode())]:
        problems.append(f"seq {seq}: headers {m.headers()}")
    if m.timestamp() != (TIMESTAMP_CREATE_TIME, T0 + 10 * seq):
        problems.append(f"seq {seq}: timestamp {m.timestamp()}, expected (CreateTime, {T0 + 10 * seq})")
    if delivered.get(seq) != (m.partition(), m.offset()):
        problems.append(f"seq {seq}: read at {m.partition()}/{m.offset()}, delivery report said {delivered.get(seq)}")
problems += [f"seq {s} read {c} times" for s, c in sorted(seen.items()) if c != 1]
problems += [f"seq {s} never read" for s in range(N) if s not in seen]
problems += [f"key {k} landed on partitions {sorted(p)}" for k, p in sorted(partitions_of_key.items()) if len(p) != 1]
used = sorted({m.partition() for m in messages})
if used != list(range(PARTITIONS)):
    problems.append(f"{KEYS} keys should spread over partitions 0..{PARTITIONS - 1}, got {used}")
report(TOPIC, problems)

print(f"confluent-kafka: topic by {how}; {N} messages over {PARTITIONS} partitions came back once each, "
      "in order per key, with their headers and timestamps")
