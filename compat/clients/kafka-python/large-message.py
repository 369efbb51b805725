"""kafka-python: one 900 KiB message of random bytes, produced and read back byte for byte. The
producer's max_request_size and the consumer's max_partition_fetch_bytes (both 1 MiB by
default) are raised as a user sending large messages would; the broker's message.max.bytes is
1048588."""
import os

from kafka import KafkaProducer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic

SIZE = 900 * 1024
payload = os.urandom(SIZE)

create_topic(TOPIC, 1)
producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all", max_request_size=2 * 1024 * 1024)
md = producer.send(TOPIC, key=b"big", value=payload).get(timeout=30)
producer.close()
check((md.partition, md.offset) == (0, 0), f"expected the message at 0/0, the send future said {md.partition}/{md.offset}")

[r] = consume_all(TOPIC, 1, 1, max_partition_fetch_bytes=2 * 1024 * 1024)
check(r.key == b"big" and r.offset == 0, f"expected key big at offset 0, got {r.key} at {r.offset}")
check(len(r.value) == SIZE, f"expected {SIZE} bytes back, got {len(r.value)}")
check(r.value == payload, f"the {SIZE} bytes came back different")
print(f"kafka-python: a {SIZE}-byte message round-trips intact")
