"""kafka-python: 1,000 keyed messages with a seq header and explicit timestamps, produced with
acks=all into a 3-partition topic and read back from the beginning by a group-less consumer
(group_id=None, assign()).

kafka-python 2.0.2 has no idempotent producer, so no InitProducerId is involved.
"""
import time

from kafka import KafkaProducer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, report
from keyed_checks import keyed_problems  # compat/lib

N, KEYS, PARTITIONS = 1000, 50, 3
# Explicit timestamps an hour back: recent ones. (Older than segment.ms, 7 days, they made Runnel roll a
# segment per batch; see compat/FINDINGS.md. Kafka's time-based retention would drop them soon, too.)
T0 = (int(time.time()) - 3600) * 1000  # CreateTime of seq n: T0 + 10 ms * n

how = create_topic(TOPIC, PARTITIONS)

producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all", linger_ms=10)
futures = [
    producer.send(TOPIC, key=f"k{n % KEYS}".encode(), value=str(n).encode(), headers=[("seq", str(n).encode())],
                  timestamp_ms=T0 + 10 * n)
    for n in range(N)
]
producer.flush(30)
delivered = {}
for n, f in enumerate(futures):
    md = f.get(timeout=0)  # raises the produce error, if any
    delivered[n] = (md.partition, md.offset)
producer.close()

records = consume_all(TOPIC, PARTITIONS, N)
problems = []
if len(records) != N:
    problems.append(f"expected {N} records, got {len(records)}")
for r in records:
    seq = int(r.value)
    if r.headers != [("seq", str(seq).encode())]:
        problems.append(f"seq {seq}: headers {r.headers}")
    if (r.timestamp_type, r.timestamp) != (0, T0 + 10 * seq):
        problems.append(f"seq {seq}: timestamp type {r.timestamp_type} {r.timestamp}, expected CreateTime (0) {T0 + 10 * seq}")
read = [(int(r.value), r.key.decode(), r.partition, r.offset) for r in records]
problems += keyed_problems(read, N, KEYS, PARTITIONS, delivered, "the send future said")
report(TOPIC, problems)

print(f"kafka-python: topic by {how}; {N} messages over {PARTITIONS} partitions came back once each, "
      "in order per key, with their headers and timestamps")
