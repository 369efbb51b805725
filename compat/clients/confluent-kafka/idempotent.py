"""confluent-kafka (librdkafka): an idempotent producer (enable.idempotence=true: librdkafka sends
InitProducerId, then Produce with producer id, epoch and sequence numbers, up to 5 requests in
flight) sends 500 messages to a 1-partition topic, with small batches (batch.num.messages=20) so
that there are several. Read back from the beginning: each exactly once, in order, at the offsets
the delivery reports said."""
from confluent_kafka import Producer

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, report

N = 500
create_topic(TOPIC, 1)
producer = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "client.id": CLIENT_ID,
    "enable.idempotence": True,
    "batch.num.messages": 20,
    "linger.ms": 5,
})
delivered, errors = {}, []


def on_delivery(err, msg):
    seq = int(msg.value())
    if err is not None:
        errors.append(f"seq {seq}: {err}")
    else:
        delivered[seq] = msg.offset()


for n in range(N):
    producer.produce(TOPIC, key="k", value=str(n), on_delivery=on_delivery)
    producer.poll(0)
left = producer.flush(30)
check(left == 0, f"{left} messages still undelivered after flush(30)")
report("delivery", errors)
check(len(delivered) == N, f"{len(delivered)} of {N} delivery reports")

messages = consume_all(TOPIC, 1, N)
problems = []
if len(messages) != N:
    problems.append(f"expected {N} messages, got {len(messages)}")
for i, m in enumerate(messages):
    if int(m.value()) != i or m.offset() != i:
        problems.append(f"message {i}: value {m.value()} at offset {m.offset()}, expected {i} at {i}")
    elif delivered.get(i) != i:
        problems.append(f"seq {i}: delivery report said offset {delivered.get(i)}")
report(TOPIC, problems)
print(f"confluent-kafka: {N} messages from an idempotent producer came back exactly once, in order")
