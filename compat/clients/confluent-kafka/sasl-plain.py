"""confluent-kafka (librdkafka) over SASL_PLAINTEXT, or SASL_SSL (ssl.ca.location) for sasl-ssl-plain, with PLAIN: a topic created with AdminClient,
20 messages produced and read back as alice; with a wrong password list_topics() must fail with
an authentication error."""
import time

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from _common import BOOTSTRAP, CLIENT_ID, SECURITY_PROTOCOL, SSL_CA, TOPIC, check, fail

N = 20


def conf(password):
    return {"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "security.protocol": SECURITY_PROTOCOL,
            **({"ssl.ca.location": SSL_CA} if SSL_CA else {}),
            "sasl.mechanisms": "PLAIN", "sasl.username": "alice", "sasl.password": password}


admin = AdminClient(conf("alice-secret"))
for f in admin.create_topics([NewTopic(TOPIC, 1, 1)]).values():
    f.result(15)

producer = Producer({**conf("alice-secret"), "acks": "all"})
for i in range(N):
    producer.produce(TOPIC, key=f"k{i}", value=f"v{i}")
check(producer.flush(15) == 0, "messages left unsent")

consumer = Consumer({**conf("alice-secret"), "group.id": f"{TOPIC}-group", "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
consumer.subscribe([TOPIC])
got = []
deadline = time.time() + 20
while len(got) < N and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is None:
        continue
    if m.error():
        fail(f"consume error: {m.error()}")
    got.append(m.value().decode())
consumer.close()
check(got == [f"v{i}" for i in range(N)], f"read back differs: {got}")

errors = []
wrong = Producer({**conf("wrong-password"), "error_cb": errors.append})
deadline = time.time() + 15
while not any(e.code() == KafkaError._AUTHENTICATION for e in errors) and time.time() < deadline:
    wrong.poll(0.2)
auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
check(auth, f"a wrong password was not refused with an authentication error: {[str(e) for e in errors]}")
print(f"confluent-kafka: PLAIN over {SECURITY_PROTOCOL} as alice, {N} messages produced and consumed; wrong password refused ({auth[0].str()})")
