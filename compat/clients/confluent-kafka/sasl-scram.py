"""confluent-kafka (librdkafka): SCRAM-SHA-512 over SASL_PLAINTEXT, or SASL_SSL (ssl.ca.location) for
sasl-ssl-scram, against a user created with
`runnel configs` (compat/lib/scram-user.sh). A producer and a consumer configured as for Kafka
(security.protocol, sasl.mechanism, sasl.username, sasl.password) write 20 messages and read them
back; the same user with a wrong password gets no metadata and a SASL authentication error.
librdkafka 2.0.2 sends the client-final nonce of librdkafka < 2.6.1, accepted as Kafka 3.8.1-3.9 do."""
import os

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from _common import BOOTSTRAP, SECURITY_PROTOCOL, SSL_CA, TOPIC, check, fail
from scram_user import create_scram_user

USER = f"confluent-{TOPIC}"
PASSWORD = f"confluent-secret-{os.getpid()}"


def sasl(password):
    return {"bootstrap.servers": BOOTSTRAP, "security.protocol": SECURITY_PROTOCOL, **({"ssl.ca.location": SSL_CA} if SSL_CA else {}),
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": USER, "sasl.password": password}


err = create_scram_user(USER, "SCRAM-SHA-512", PASSWORD)
if err:
    fail(err)

producer = Producer({**sasl(PASSWORD), "acks": "all"})
errors = []
for i in range(20):
    producer.produce(TOPIC, value=f"m{i}".encode(), on_delivery=lambda e, m: e and errors.append(str(e)))
left = producer.flush(30)
check(left == 0 and not errors, f"producing with SCRAM-SHA-512 failed: {left} left, errors {errors}")

consumer = Consumer({**sasl(PASSWORD), "group.id": f"{TOPIC}-group", "enable.auto.commit": False})
consumer.assign([TopicPartition(TOPIC, 0, 0)])
got = []
for _ in range(60):
    msg = consumer.poll(0.5)
    if msg is not None and msg.error() is None:
        got.append(msg.value().decode())
    if len(got) >= 20:
        break
consumer.close()
check(got == [f"m{i}" for i in range(20)], f"consumed {got}, expected m0..m19")

auth_errors = []
bad = AdminClient({**sasl(f"not-{PASSWORD}"), "error_cb": lambda e: auth_errors.append(e)})
try:
    bad.list_topics(timeout=8)
    fail("a wrong password was accepted: list_topics() answered")
except KafkaException:
    pass
for _ in range(10):  # error_cb is served by poll()
    if auth_errors:
        break
    bad.poll(0.5)
check(any("Authentication failed during authentication due to invalid credentials" in e.str() for e in auth_errors),
      f"a wrong password should be a SASL authentication error: {[e.str() for e in auth_errors]}")
print(f"confluent-kafka: over {SECURITY_PROTOCOL}, SCRAM-SHA-512 user {USER} produced and consumed 20 messages; a wrong password was refused")
