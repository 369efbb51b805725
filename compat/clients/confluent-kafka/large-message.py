"""confluent-kafka (librdkafka): one 900 KiB message of random bytes, produced and read back byte
for byte. The producer's message.max.bytes (largest request, default 1000000) and the
consumer's fetch.message.max.bytes (per partition, default 1 MiB) are raised as a user sending
large messages would; the broker's message.max.bytes is 1048588."""
import os

from confluent_kafka import Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic

SIZE = 900 * 1024
payload = os.urandom(SIZE)

create_topic(TOPIC, 1)
producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "acks": "all",
    "enable.idempotence": False,
    "message.max.bytes": 2_000_000,
})
errors = []
producer.produce(TOPIC, key=b"big", value=payload, on_delivery=lambda err, msg: err and errors.append(str(err)))
check(producer.flush(30) == 0, "the message is still undelivered after flush(30)")
check(not errors, f"delivery failed: {errors}")

[m] = consume_all(TOPIC, 1, 1, **{"fetch.message.max.bytes": 2_000_000})
check(m.key() == b"big" and m.offset() == 0, f"expected key big at offset 0, got {m.key()} at {m.offset()}")
check(len(m.value()) == SIZE, f"expected {SIZE} bytes back, got {len(m.value())}")
check(m.value() == payload, f"the {SIZE} bytes came back different")
print(f"confluent-kafka: a {SIZE}-byte message round-trips intact")
