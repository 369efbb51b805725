"""confluent-kafka (librdkafka) against StandardAuthorizer (SASL_PLAINTEXT, PLAIN): admin creates the
topic with AdminClient and grants alice WRITE, READ and DESCRIBE on it and READ on her
group; alice produces 10 messages and reads them back in that group; bob's produce (delivery report),
consume (poll) and topic metadata are refused with TOPIC_/GROUP_AUTHORIZATION_FAILED and his metadata
for all topics omits the topic. confluent-kafka 1.7 (Debian's) has no AdminClient.create_acls (1.9 added
it), so the grants come from compat/lib/acl-grant.ts (kafkajs' createAcls as admin)."""
import os
import subprocess
import time

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, fail

N = 10
GROUP = f"{TOPIC}-g"
REFUSED = (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED)


def conf(user):
    return {"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "PLAIN", "sasl.username": user, "sasl.password": f"{user}-secret"}


admin = AdminClient(conf("admin"))
for f in admin.create_topics([NewTopic(TOPIC, 1, 1)]).values():
    f.result(15)
REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
grant = subprocess.run(["node", "--import", "tsx", "compat/lib/acl-grant.ts", BOOTSTRAP, TOPIC, GROUP], cwd=REPO,
                       capture_output=True, text=True, timeout=45)
check(grant.returncode == 0, f"creating the ACLs as admin failed: {grant.stdout}{grant.stderr}")

# alice: allowed.
producer = Producer({**conf("alice"), "acks": "all"})
for i in range(N):
    producer.produce(TOPIC, key=f"k{i}", value=f"v{i}")
check(producer.flush(15) == 0, "alice's messages left unsent")
consumer = Consumer({**conf("alice"), "group.id": GROUP, "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
consumer.subscribe([TOPIC])
got = []
deadline = time.time() + 20
while len(got) < N and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is None:
        continue
    if m.error():
        fail(f"alice's consume error: {m.error()}")
    got.append(m.value().decode())
consumer.close()
check(got == [f"v{i}" for i in range(N)], f"messages alice read back differ: {got}")
check(TOPIC in AdminClient(conf("alice")).list_topics(timeout=10).topics, "alice's metadata lacks the topic she may describe")

# bob: refused.
reports = []
bp = Producer({**conf("bob"), "acks": "all", "message.timeout.ms": 15000, "error_cb": lambda e: None})
bp.produce(TOPIC, value="bob", on_delivery=lambda err, msg: reports.append(err))
bp.flush(20)
check(reports, "bob's message got no delivery report")
check(reports[0] is not None, "bob produced to a topic he has no WRITE on")
check(reports[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, f"bob's produce was refused otherwise: {reports[0]}")

bc = Consumer({**conf("bob"), "group.id": GROUP, "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
bc.subscribe([TOPIC])
consume_err = None
deadline = time.time() + 20
while consume_err is None and time.time() < deadline:
    m = bc.poll(0.5)
    if m is None:
        continue
    if not m.error():
        fail("bob consumed a message from a topic he has no READ on")
    if m.error().code() in REFUSED:
        consume_err = m.error()
bc.close()
check(consume_err is not None, "bob's consumer was not refused within 20 s")

bob_admin = AdminClient(conf("bob"))
md = bob_admin.list_topics(topic=TOPIC, timeout=10)
err = md.topics[TOPIC].error if TOPIC in md.topics else None
check(err is not None and err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, f"bob's metadata for the topic was not refused: {err}")
check(TOPIC not in bob_admin.list_topics(timeout=10).topics, "bob's metadata for all topics lists a topic he may not describe")
print(f"confluent-kafka: alice produced and consumed {N} messages; bob refused: produce ({reports[0].name()}), "
      f"consume ({consume_err.name()}), describe ({err.name()}), and the topic is not listed")
