"""kafka-python: SCRAM-SHA-512 over SASL_PLAINTEXT, or SASL_SSL (ssl_cafile) for sasl-ssl-scram, against a user created with `runnel configs`
(compat/lib/scram-user.sh). A producer and a consumer configured as for Kafka (security_protocol,
sasl_mechanism, sasl_plain_username, sasl_plain_password) write 20 messages and read them back;
the same user with a wrong password is refused when the client connects."""
import os

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from _common import BOOTSTRAP, SECURITY_PROTOCOL, SSL_CA, TOPIC, check, fail
from scram_user import create_scram_user

USER = f"kafka-python-{TOPIC}"
PASSWORD = f"kafka-python-secret-{os.getpid()}"


def sasl(password):
    return dict(bootstrap_servers=BOOTSTRAP, security_protocol=SECURITY_PROTOCOL, sasl_mechanism="SCRAM-SHA-512",
                sasl_plain_username=USER, sasl_plain_password=password, **({"ssl_cafile": SSL_CA} if SSL_CA else {}))


err = create_scram_user(USER, "SCRAM-SHA-512", PASSWORD)
if err:
    fail(err)

producer = KafkaProducer(acks="all", **sasl(PASSWORD))
for i in range(20):
    producer.send(TOPIC, f"m{i}".encode()).get(timeout=30)
producer.close()

consumer = KafkaConsumer(consumer_timeout_ms=10000, **sasl(PASSWORD))
consumer.assign([TopicPartition(TOPIC, 0)])
consumer.seek_to_beginning()
got = []
for msg in consumer:
    got.append(msg.value.decode())
    if len(got) >= 20:
        break
consumer.close()
check(got == [f"m{i}" for i in range(20)], f"consumed {got}, expected m0..m19")

try:
    bad = KafkaProducer(request_timeout_ms=8000, max_block_ms=8000, **sasl(f"not-{PASSWORD}"))
    bad.close()
    fail("a wrong password was accepted: the producer connected")
except KafkaError as e:
    check("Authentication failed" in str(e) or "NoBrokersAvailable" in type(e).__name__, f"unexpected error for a wrong password: {e!r}")
print(f"kafka-python: over {SECURITY_PROTOCOL}, SCRAM-SHA-512 user {USER} produced and consumed 20 messages; a wrong password was refused")
