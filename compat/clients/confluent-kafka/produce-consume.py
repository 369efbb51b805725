"""confluent-kafka (librdkafka): 1,000 keyed messages with a seq header and explicit timestamps,
produced with acks=all into a 3-partition topic and read back from the beginning.

Idempotence is off (librdkafka's default, set explicitly; the `idempotent` scenario covers it).
The consumer uses assign() rather than subscribe(): no consumer group.
"""
import time

from confluent_kafka import TIMESTAMP_CREATE_TIME, Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, Deliveries, consume_all, create_topic, report
from keyed_checks import keyed_problems  # compat/lib

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
delivered = on_delivery.delivered  # seq -> (partition, offset)


for n in range(N):
    producer.produce(TOPIC, key=f"k{n % KEYS}", value=str(n), headers=[("seq", str(n).encode())],
                     timestamp=T0 + 10 * n, on_delivery=on_delivery)
    producer.poll(0)
on_delivery.wait(producer, N)

messages = consume_all(TOPIC, PARTITIONS, N)
problems = []
if len(messages) != N:
    problems.append(f"expected {N} messages, got {len(messages)}")
for m in messages:
    seq = int(m.value())
    if m.headers() != [("seq", str(seq).encode())]:
        problems.append(f"seq {seq}: headers {m.headers()}")
    if m.timestamp() != (TIMESTAMP_CREATE_TIME, T0 + 10 * seq):
        problems.append(f"seq {seq}: timestamp {m.timestamp()}, expected (CreateTime, {T0 + 10 * seq})")
read = [(int(m.value()), m.key().decode(), m.partition(), m.offset()) for m in messages]
problems += keyed_problems(read, N, KEYS, PARTITIONS, delivered, "delivery report said")
report(TOPIC, problems)

print(f"confluent-kafka: topic by {how}; {N} messages over {PARTITIONS} partitions came back once each, "
      "in order per key, with their headers and timestamps")
