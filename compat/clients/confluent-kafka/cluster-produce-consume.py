"""confluent-kafka (librdkafka) in the three-broker cluster, bootstrapping from broker 1: a
6-partition replication-factor-3 topic created with AdminClient (layout checked in _cluster.py),
600 keyed messages produced with acks=all (not idempotent), read back group-less with assign()
from every partition's leader, each once, in order per key, at the offset its delivery report gave."""
from collections import defaultdict

from confluent_kafka import Producer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, Deliveries, check, consume_all, report

N, KEYS = 600, 60

leaders = create_replicated_topic(TOPIC)

producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "acks": "all",
    "enable.idempotence": False,
    # librdkafka retries (a leader may answer NOT_LEADER_OR_FOLLOWER for a moment after the topic
    # was created); without idempotence only one request in flight keeps the order per key.
    "max.in.flight.requests.per.connection": 1,
    "linger.ms": 5,
})
on_delivery = Deliveries()
delivered, errors = on_delivery.delivered, on_delivery.errors  # seq -> (partition, offset); failures


for n in range(N):
    producer.produce(TOPIC, key=f"k{n % KEYS}", value=str(n), on_delivery=on_delivery)
    producer.poll(0)
left = producer.flush(30)
check(left == 0, f"{left} messages still undelivered after flush(30)")
report("delivery", errors)
check(len(delivered) == N, f"{len(delivered)} of {N} delivery reports")

messages = consume_all(TOPIC, PARTITIONS, N)
problems = []
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
    if delivered.get(seq) != (m.partition(), m.offset()):
        problems.append(f"seq {seq}: read at {m.partition()}/{m.offset()}, delivery report said {delivered.get(seq)}")
problems += [f"seq {s} read {c} times" for s, c in sorted(seen.items()) if c != 1]
problems += [f"seq {s} never read" for s in range(N) if s not in seen]
problems += [f"key {k} landed on partitions {sorted(p)}" for k, p in sorted(partitions_of_key.items()) if len(p) != 1]
used = sorted({m.partition() for m in messages})
if used != list(range(PARTITIONS)):
    problems.append(f"{KEYS} keys should spread over partitions 0..{PARTITIONS - 1}, got {used}")
report(TOPIC, problems)

print(f"confluent-kafka: leaders {leaders}; {N} messages with acks=all came back once each, in order per key, "
      "at their reported offsets")
