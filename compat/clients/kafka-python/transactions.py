"""kafka-python as a reader of transactions. kafka-python 2.0.2 has no transactional (or
idempotent) producer, so the transactions are written with confluent-kafka (librdkafka, the same
/usr/bin/python3): into a 2-partition topic (message n to partition n % 2), transaction 1
commits c0..c9, transaction 2 produces a0..a9, flush()es them to the broker and aborts,
transaction 3 commits c10..c19.

kafka-python 2.0.2 has no read_committed either (KafkaConsumer rejects isolation_level; its
fetcher always sends READ_UNCOMMITTED), and it does not skip control batches: the transaction
markers reach the application as records (see compat/FINDINGS.md). So the check is: read from
the beginning up to the end offsets, the data records are c0..c19 and a0..a9, once each, in
order per partition, and the rest are exactly the three markers a Kafka broker writes: control
records (key: version 0, type 1 COMMIT / 0 ABORT; value: version 0, coordinator epoch) right
after each transaction's data, COMMIT, ABORT, COMMIT on each partition the transactions wrote to."""
import time

from kafka import KafkaConsumer, TopicPartition

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic, fail, report

try:
    from confluent_kafka import Producer
except ImportError as e:
    fail(f"this scenario writes its transactions with confluent-kafka (python3-confluent-kafka), which is missing: {e}")

PARTITIONS = 2
create_topic(TOPIC, PARTITIONS)

producer = Producer({"bootstrap.servers": BOOTSTRAP, "client.id": f"{CLIENT_ID}-writer", "transactional.id": f"{TOPIC}-txn"})


def produce(prefix, start, end):
    for n in range(start, end):
        producer.produce(TOPIC, partition=n % PARTITIONS, key=f"k{n % 4}", value=f"{prefix}{n}")


producer.init_transactions(15)
producer.begin_transaction()
produce("c", 0, 10)
producer.commit_transaction(15)
producer.begin_transaction()
produce("a", 0, 10)
check(producer.flush(15) == 0, "the aborted transaction's messages were not all delivered before abort")
producer.abort_transaction(15)
producer.begin_transaction()
produce("c", 10, 20)
producer.commit_transaction(15)

committed = [f"c{n}" for n in range(20)]
aborted = [f"a{n}" for n in range(10)]
order = committed[:10] + aborted + committed[10:]


def read(label):
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records = []
        deadline = time.monotonic() + 15
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                fail(f"{label}: {len(records)} records after 15 s; positions "
                     f"{[consumer.position(tp) for tp in tps]}, end offsets {[end[tp] for tp in tps]}")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records, end
    finally:
        consumer.close()


def compare(label, records, expected):
    problems = []
    values = [r.value.decode() for r in records]
    if sorted(values) != sorted(expected):
        problems.append(f"{label}: expected {sorted(expected)}, got {sorted(values)}")
    for p in range(PARTITIONS):
        mine = [r.value.decode() for r in records if r.partition == p]
        if mine != [v for v in order if v in mine]:
            problems.append(f"{label}: partition {p} out of order: {mine}")
    return problems




def marker(r):
    """The marker type of a control record as kafka-python 2.0.2 hands it over, else None:
    key int16 version 0 + int16 type (0 ABORT, 1 COMMIT), value int16 version 0 + int32 epoch."""
    if r.key is not None and len(r.key) == 4 and r.key[:3] == b"\0\0\0" and r.key[3] in (0, 1) \
            and r.value is not None and len(r.value) == 6 and r.value[:2] == b"\0\0":
        return "COMMIT" if r.key[3] == 1 else "ABORT"
    return None


records, end = read("read_uncommitted")
data = [r for r in records if marker(r) is None]
markers = [r for r in records if marker(r) is not None]
problems = compare("data records (read_uncommitted)", data, committed + aborted)
for p in range(PARTITIONS):
    mine = [r for r in records if r.partition == p]
    if not any(marker(r) is None for r in mine):
        continue
    # What the partition should hold: each transaction's data on it, then that transaction's marker.
    shape = []
    for values, kind in ((committed[:10], "COMMIT"), (aborted, "ABORT"), (committed[10:], "COMMIT")):
        shape += [v for v in values if any(r.value.decode() == v for r in mine if marker(r) is None)] + [kind]
    got = [marker(r) or r.value.decode() for r in mine]
    if got != shape:
        problems.append(f"partition {p}: expected {shape}, got {got}")
    if [r.offset for r in mine] != list(range(len(mine))) or end[TopicPartition(TOPIC, p)] != len(mine):
        problems.append(f"partition {p}: offsets {[r.offset for r in mine]}, end offset {end[TopicPartition(TOPIC, p)]}")
report(TOPIC, problems)
print(f"kafka-python: read (read_uncommitted, its only mode) the {len(committed)} committed and {len(aborted)} aborted "
      f"messages once each, and {len(markers)} transaction markers (COMMIT, ABORT, COMMIT per partition) as kafka-python "
      "2.0.2 hands them over: as records")
