"""kafka-python in the three-broker cluster, bootstrapping from broker 1: a 6-partition
replication-factor-3 topic created with KafkaAdminClient (layout checked in _cluster.py), 600 keyed
messages produced with acks='all', read back group-less with assign() from every partition's
leader, each once, in order per key, at the offset the producer's future gave."""
from collections import defaultdict

from kafka import KafkaProducer

from _cluster import PARTITIONS, create_replicated_topic
from _common import BOOTSTRAP, CLIENT_ID, TOPIC, consume_all, report

N, KEYS = 600, 60

leaders = create_replicated_topic(TOPIC)

# Retries (kafka-python 2.0.2 defaults to none) with one request in flight, so that order holds: a
# leader may answer NOT_LEADER_OR_FOLLOWER for a moment after the topic was created, until it has
# applied the new partition state (compat/FINDINGS.md).
producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all", linger_ms=5, retries=5,
                         max_in_flight_requests_per_connection=1)
futures = [(n, producer.send(TOPIC, key=f"k{n % KEYS}".encode(), value=str(n).encode())) for n in range(N)]
producer.flush(30)
delivered, errors = {}, []
for n, f in futures:
    try:
        md = f.get(timeout=30)
        delivered[n] = (md.partition, md.offset)
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        errors.append(f"seq {n}: {e!r}")
producer.close()
report("delivery", errors)

records = consume_all(TOPIC, PARTITIONS, N)
problems = []
seen = defaultdict(int)
partitions_of_key = defaultdict(set)
last_seq_of_key = {}
for r in records:
    seq = int(r.value)
    seen[seq] += 1
    key = r.key.decode()
    if key != f"k{seq % KEYS}":
        problems.append(f"seq {seq}: key {key}, expected k{seq % KEYS}")
    partitions_of_key[key].add(r.partition)
    if last_seq_of_key.get(key, -1) >= seq:
        problems.append(f"key {key}: seq {seq} came after seq {last_seq_of_key[key]}")
    last_seq_of_key[key] = seq
    if delivered.get(seq) != (r.partition, r.offset):
        problems.append(f"seq {seq}: read at {r.partition}/{r.offset}, the producer said {delivered.get(seq)}")
problems += [f"seq {s} read {c} times" for s, c in sorted(seen.items()) if c != 1]
problems += [f"seq {s} never read" for s in range(N) if s not in seen]
problems += [f"key {k} landed on partitions {sorted(p)}" for k, p in sorted(partitions_of_key.items()) if len(p) != 1]
used = sorted({r.partition for r in records})
if used != list(range(PARTITIONS)):
    problems.append(f"{KEYS} keys should spread over partitions 0..{PARTITIONS - 1}, got {used}")
report(TOPIC, problems)

print(f"kafka-python: leaders {leaders}; {N} messages with acks=all came back once each, in order per key, at their offsets")
