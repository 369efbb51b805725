"""Shared by the Python clients' produce-consume scenarios (one broker and the cluster): what is
wrong with records produced with value str(seq) and key f"k{seq % keys}", as they are read back."""
from collections import defaultdict


def keyed_problems(read, n, keys, partitions, delivered, said):
    """read: [(seq, key, partition, offset)] as consumed; delivered: {seq: (partition, offset)} as
    the producer reported it (`said` names that report in a problem). Every seq below n read once,
    with its key, in order per key, each key on one partition, at the offset the producer reported;
    the keys spread over all the partitions."""
    problems = []
    seen = defaultdict(int)
    partitions_of_key = defaultdict(set)
    last_seq_of_key = {}
    for seq, key, partition, offset in read:
        seen[seq] += 1
        if key != f"k{seq % keys}":
            problems.append(f"seq {seq}: key {key}, expected k{seq % keys}")
        partitions_of_key[key].add(partition)
        if last_seq_of_key.get(key, -1) >= seq:
            problems.append(f"key {key}: seq {seq} came after seq {last_seq_of_key[key]}")
        last_seq_of_key[key] = seq
        if delivered.get(seq) != (partition, offset):
            problems.append(f"seq {seq}: read at {partition}/{offset}, {said} {delivered.get(seq)}")
    problems += [f"seq {s} read {c} times" for s, c in sorted(seen.items()) if c != 1]
    problems += [f"seq {s} never read" for s in range(n) if s not in seen]
    problems += [f"key {k} landed on partitions {sorted(p)}" for k, p in sorted(partitions_of_key.items()) if len(p) != 1]
    used = sorted({partition for _, _, partition, _ in read})
    if used != list(range(partitions)):
        problems.append(f"{keys} keys should spread over partitions 0..{partitions - 1}, got {used}")
    return problems
