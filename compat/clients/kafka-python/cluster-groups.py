"""kafka-python in the three-broker cluster: a consumer group (range assignor, commits each
message, polls in a thread; _groups.py) on a 6-partition replication-factor-3 topic. Two members split the
partitions, then process 300 messages, each once, by the member owning its partition; both leave;
60 more messages; a new member of the group starts from the committed offsets and processes
exactly those 60."""
from _cluster import PARTITIONS, create_replicated_topic
from _common import TOPIC, report
from _groups import Member, is_split, produce, producer, run_until

create_replicated_topic(TOPIC)
group = f"{TOPIC}-group"
a, b = Member("a", group, TOPIC), Member("b", group, TOPIC)
run_until([a, b], "two members splitting the 6 partitions", lambda: is_split([a.owned, b.owned], PARTITIONS),
          lambda: f"a owns {a.owned}, b owns {b.owned}", timeout=30)
p = producer()
first = produce(p, TOPIC, "one", (50,) * PARTITIONS)
done = lambda: len(a.processed) + len(b.processed) >= len(first)  # noqa: E731
run_until([a, b], f"{len(first)} messages processed", done, lambda: f"a {len(a.processed)}, b {len(b.processed)}", timeout=30)
problems = []
values = [m["value"] for m in a.processed + b.processed]
if sorted(values) != sorted(first):
    problems.append(f"phase one: processed {len(values)} values ({len(set(values))} distinct), expected the {len(first)} produced once each")
for m in (a, b):
    problems += [f"member {m.name} processed partition {x['partition']}, owns {m.owned}" for x in m.processed if x["partition"] not in m.owned]
report("phase one", problems)
a.stop()
b.stop()

second = produce(p, TOPIC, "two", (10,) * PARTITIONS)
c = Member("c", group, TOPIC)
run_until([c], f"the new member processing the {len(second)} new messages", lambda: len(c.processed) >= len(second),
          lambda: f"c owns {c.owned}, processed {len(c.processed)}", timeout=30)
got = sorted(x["value"] for x in c.processed)
c.stop()
if got != sorted(second):
    report("phase two", [f"the new member processed {len(got)} values, expected exactly the {len(second)} new ones: "
                         f"{[v for v in got if not v.startswith('two-')][:10]} are old"])
print(f"kafka-python: 2 members split 6 replicated partitions and processed {len(first)} messages once each; "
      f"a new member resumed from the committed offsets with exactly the {len(second)} new ones")
