"""confluent-kafka (librdkafka): 200 messages with each codec librdkafka offers (gzip, snappy,
lz4, zstd), each codec into its own topic, read back from the beginning and compared. The values
repeat a lot so that every codec really shrinks them."""
from confluent_kafka import Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, report

N = 200
FILLER = "lorem ipsum dolor sit amet " * 4

for codec in ("gzip", "snappy", "lz4", "zstd"):
    topic = f"{TOPIC}-{codec}"
    create_topic(topic, 1)
    producer = Producer({
        "bootstrap.servers": BOOTSTRAP,
        "client.id": CLIENT_ID,
        "acks": "all",
        "enable.idempotence": False,
        "compression.type": codec,
        "linger.ms": 50,
    })
    errors = []
    for n in range(N):
        producer.produce(topic, key=f"k{n % 7}", value=f"{codec} {n} {FILLER}",
                         on_delivery=lambda err, msg: err and errors.append(str(err)))
    check(producer.flush(30) == 0, f"{codec}: messages still undelivered after flush(30)")
    report(f"{codec}: delivery", errors)

    messages = consume_all(topic, 1, N)
    problems = [] if len(messages) == N else [f"expected {N} messages, got {len(messages)}"]
    for i, m in enumerate(messages):
        if (m.offset(), m.key(), m.value()) != (i, f"k{i % 7}".encode(), f"{codec} {i} {FILLER}".encode()):
            problems.append(f"message {i} came back as offset {m.offset()} key {m.key()} value {m.value()[:40]}")
    report(f"{codec} ({topic})", problems)
    print(f"confluent-kafka: {codec}: {N} messages intact")

print("confluent-kafka: gzip, snappy, lz4 and zstd round-trip")
