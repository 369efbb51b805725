"""One consume-transform-produce process for the confluent-kafka exactly-once scenario
(exactly-once.py starts it as a child process; not a scenario itself):

    _eos.py <input> <output> <group> <transactional id> <total> <die after chunks>

Reads <input> in group <group> (read_committed, no auto-commit) in chunks of up to 10 messages
(consume(10)) and runs one transaction per chunk: produce `out-<value>` to <output>,
send_offsets_to_transaction() with the chunk's next input offsets, commit. After <die after
chunks> chunks (-1: never) it begins one more transaction, produces that chunk's output and
flush()es it to the broker, reports it and hangs, to be killed with SIGKILL. Events go to stdout
as JSON lines: {"committed": next offset}, {"open": [offsets]}, {"done"}, {"error"}. Exits once
the committed position reaches <total>."""
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

inp, out, group, txn_id, total, die_after = sys.argv[1:7]
total, die_after = int(total), int(die_after)
bootstrap = os.environ["RUNNEL_BOOTSTRAP"]


def emit(e):
    print(json.dumps(e), flush=True)


try:
    producer = Producer({"bootstrap.servers": bootstrap, "client.id": "runnel-compat-confluent-eos",
                         "transactional.id": txn_id, "linger.ms": 5})
    producer.init_transactions(30)  # fences an earlier producer with this transactional id
    consumer = Consumer({"bootstrap.servers": bootstrap, "client.id": "runnel-compat-confluent-eos",
                         "group.id": group, "isolation.level": "read_committed", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                         "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100})
    consumer.subscribe([inp])
    chunks, position = 0, 0
    while position < total:
        msgs = consumer.consume(10, 0.5)
        for m in msgs:
            if m.error():
                raise RuntimeError(f"consume error {m.error()}")
        if not msgs:
            continue
        producer.begin_transaction()
        for m in msgs:
            producer.produce(out, key=str(m.offset()), value=b"out-" + m.value())
        if chunks == die_after:
            if producer.flush(15) != 0:
                raise RuntimeError("the open transaction's output was not delivered")
            emit({"open": [m.offset() for m in msgs]})
            while True:
                time.sleep(1)  # killed here, with the transaction open
        nxt = {}
        for m in msgs:
            nxt[m.partition()] = m.offset() + 1
        producer.send_offsets_to_transaction([TopicPartition(inp, p, o) for p, o in nxt.items()],
                                             consumer.consumer_group_metadata(), 15)
        producer.commit_transaction(15)
        chunks += 1
        position = max(nxt.values())
        emit({"committed": position, "first": msgs[0].offset()})
    consumer.close()
    producer.flush(5)
    emit({"done": True})
except Exception as e:  # noqa: BLE001 - reported to the scenario
    emit({"error": repr(e)})
    sys.exit(1)
