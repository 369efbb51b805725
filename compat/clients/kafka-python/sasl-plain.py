"""kafka-python over SASL_PLAINTEXT, or SASL_SSL (ssl_cafile) for sasl-ssl-plain, with PLAIN. kafka-python 2.0 sends SaslHandshake v0 and then the
PLAIN message as a raw size-prefixed token (no SaslAuthenticate), so this covers the raw-token
path. A topic is created, 20 messages produced and read back as alice; with a wrong password the
connection must fail authentication."""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, NoBrokersAvailable

from _common import BOOTSTRAP, CLIENT_ID, SECURITY_PROTOCOL, SSL_CA, TOPIC, check, fail

N = 20


def conf(password):
    return {"bootstrap_servers": BOOTSTRAP, "client_id": CLIENT_ID, "security_protocol": SECURITY_PROTOCOL,
            **({"ssl_cafile": SSL_CA} if SSL_CA else {}),
            "sasl_mechanism": "PLAIN", "sasl_plain_username": "alice", "sasl_plain_password": password}


admin = KafkaAdminClient(**conf("alice-secret"))
admin.create_topics([NewTopic(TOPIC, 1, 1)], timeout_ms=15000)
admin.close()

producer = KafkaProducer(acks="all", **conf("alice-secret"))
for i in range(N):
    producer.send(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
producer.flush(15)
producer.close()

consumer = KafkaConsumer(TOPIC, group_id=f"{TOPIC}-group", auto_offset_reset="earliest", fetch_max_wait_ms=100,
                         consumer_timeout_ms=20000, **conf("alice-secret"))
got = []
for m in consumer:
    got.append(m.value.decode())
    if len(got) == N:
        break
consumer.close()
check(got == [f"v{i}" for i in range(N)], f"read back differs: {got}")

t0 = time.time()
try:
    KafkaAdminClient(request_timeout_ms=5000, **conf("wrong-password")).close()
    fail("a wrong password was accepted")
except (NoBrokersAvailable, KafkaError) as e:
    refused = e
check(time.time() - t0 < 30, "the refusal took too long")
print(f"kafka-python: PLAIN over {SECURITY_PROTOCOL} as alice (SaslHandshake v0, raw token), {N} messages produced and consumed; wrong password refused ({type(refused).__name__})")
