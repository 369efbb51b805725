"""kafka-python: 200 messages with each codec kafka-python offers, each codec into its own topic,
read back from the beginning and compared. gzip is built in; snappy, lz4 and zstd need the
optional python3-snappy, python3-lz4 and python3-zstandard (.ci/run installs them). A missing
one is reported and skipped, or fails with CI=true."""
import os

from kafka import KafkaProducer
from kafka import codec as codecs

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, fail, report

N = 200
FILLER = "lorem ipsum dolor sit amet " * 4
available = {"gzip": codecs.has_gzip(), "snappy": codecs.has_snappy(), "lz4": codecs.has_lz4(), "zstd": codecs.has_zstd()}
missing = [c for c, ok in available.items() if not ok]
if missing and os.environ.get("CI") == "true":
    fail(f"codec libraries missing (and CI=true): {missing}; install python3-snappy python3-lz4 python3-zstandard")

for codec in [c for c, ok in available.items() if ok]:
    topic = f"{TOPIC}-{codec}"
    create_topic(topic, 1)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all",
                             compression_type=codec, linger_ms=50)
    futures = [producer.send(topic, key=f"k{n % 7}".encode(), value=f"{codec} {n} {FILLER}".encode()) for n in range(N)]
    producer.flush(30)
    for f in futures:
        f.get(timeout=0)
    producer.close()

    records = consume_all(topic, 1, N)
    problems = [] if len(records) == N else [f"expected {N} records, got {len(records)}"]
    for i, r in enumerate(records):
        if (r.offset, r.key, r.value) != (i, f"k{i % 7}".encode(), f"{codec} {i} {FILLER}".encode()):
            problems.append(f"record {i} came back as offset {r.offset} key {r.key} value {r.value[:40]}")
    report(f"{codec} ({topic})", problems)
    print(f"kafka-python: {codec}: {N} messages intact")

check(available["gzip"], "gzip is not available")
tested = [c for c, ok in available.items() if ok]
print(f"kafka-python: {', '.join(tested)} round-trip" + (f"; not tested (library missing): {', '.join(missing)}" if missing else ""))
