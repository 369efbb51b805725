"""The cluster-groups scenario of the Python clients (compat/clients/*/cluster-groups.py), with the
client's own _groups.py: two members split a 6-partition replication-factor-3 topic, then process
300 messages, each once, by the member owning its partition; both leave; 60 more messages; a new
member of the group starts from the committed offsets and processes exactly those 60."""


def group_handover(client, groups, topic, partitions, report):
    """client: the name for the summary line; groups: the client's _groups module (Member,
    is_split, producer, produce, run_until); report: its _common.report."""
    group = f"{topic}-group"
    a, b = groups.Member("a", group, topic), groups.Member("b", group, topic)
    groups.run_until([a, b], "two members splitting the 6 partitions", lambda: groups.is_split([a.owned, b.owned], partitions),
                     lambda: f"a owns {a.owned}, b owns {b.owned}", timeout=30)
    p = groups.producer()
    first = groups.produce(p, topic, "one", (50,) * partitions)
    done = lambda: len(a.processed) + len(b.processed) >= len(first)  # noqa: E731
    groups.run_until([a, b], f"{len(first)} messages processed", done, lambda: f"a {len(a.processed)}, b {len(b.processed)}", timeout=30)
    problems = []
    values = [m["value"] for m in a.processed + b.processed]
    if sorted(values) != sorted(first):
        problems.append(f"phase one: processed {len(values)} values ({len(set(values))} distinct), expected the {len(first)} produced once each")
    for m in (a, b):
        problems += [f"member {m.name} processed partition {x['partition']}, owns {m.owned}" for x in m.processed if x["partition"] not in m.owned]
    report("phase one", problems)
    a.stop()
    b.stop()

    second = groups.produce(p, topic, "two", (10,) * partitions)
    c = groups.Member("c", group, topic)
    groups.run_until([c], f"the new member processing the {len(second)} new messages", lambda: len(c.processed) >= len(second),
                     lambda: f"c owns {c.owned}, processed {len(c.processed)}", timeout=30)
    got = sorted(x["value"] for x in c.processed)
    c.stop()
    if got != sorted(second):
        report("phase two", [f"the new member processed {len(got)} values, expected exactly the {len(second)} new ones: "
                             f"{[v for v in got if not v.startswith('two-')][:10]} are old"])
    print(f"{client}: 2 members split 6 replicated partitions and processed {len(first)} messages once each; "
          f"a new member resumed from the committed offsets with exactly the {len(second)} new ones")
