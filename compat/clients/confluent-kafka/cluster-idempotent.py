"""confluent-kafka (librdkafka) in the three-broker cluster: an idempotent producer
(enable.idempotence, so acks=all) sends 600 messages round the 6 partitions of a
replication-factor-3 topic, whose leaders are spread over the three brokers; read back, each is
there exactly once, in order per partition, at the offset its delivery report gave."""
from collections import defaultdict

from confluent_kafka import Producer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, Deliveries, consume_all, report

N = 600

leaders = create_replicated_topic(TOPIC)
producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "enable.idempotence": True,
    "linger.ms": 5,
})
on_delivery = Deliveries()
delivered = on_delivery.delivered  # seq -> (partition, offset)


for n in range(N):
    producer.produce(TOPIC, value=str(n), partition=n % PARTITIONS, on_delivery=on_delivery)
    if n % 100 == 99:
        producer.flush(30)
on_delivery.wait(producer)

messages = consume_all(TOPIC, PARTITIONS, N)
problems = []
seen = defaultdict(int)
last = {}
for m in messages:
    seq = int(m.value())
    seen[seq] += 1
    if m.partition() != seq % PARTITIONS:
        problems.append(f"seq {seq} on partition {m.partition()}, produced to {seq % PARTITIONS}")
    if last.get(m.partition(), -1) >= seq:
        problems.append(f"partition {m.partition()}: seq {seq} after {last[m.partition()]}")
    last[m.partition()] = seq
    if delivered.get(seq) != (m.partition(), m.offset()):
        problems.append(f"seq {seq}: read at {m.partition()}/{m.offset()}, delivery report said {delivered.get(seq)}")
problems += [f"seq {s} read {c} times" for s, c in sorted(seen.items()) if c != 1]
problems += [f"seq {s} never read" for s in range(N) if s not in seen]
report(TOPIC, problems)
print(f"confluent-kafka: leaders {leaders}; {N} idempotently produced messages came back exactly once each, in order")
