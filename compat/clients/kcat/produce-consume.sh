#!/bin/sh
# kcat: produce 1,000 keyed messages (keys k0..k49) with acks=all into a 3-partition topic, read
# them all back from the beginning with the simple (group-less) consumer, and check them.
#
# kcat cannot create topics (auto-creation makes the 3 partitions: the runner starts this
# scenario's broker with num.partitions=3), cannot set a timestamp (librdkafka stamps CreateTime
# at produce()), and sets the same -H headers on every message of one invocation: so the
# messages go out in 10 invocations of 100, each with headers batch=<b> and producer=kcat, and
# the value carries the seq number.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
N=1000

wait_topic "$topic" 3

t0=$(now_ms)
b=0
while [ "$b" -lt 10 ]; do
  awk -v b="$b" 'BEGIN { for (n = b * 100; n < (b + 1) * 100; n++) printf "k%d:%d\n", n % 50, n }' |
    "$KCAT" -b "$B" -P -t "$topic" -K: -H "batch=$b" -H producer=kcat -X acks=all ||
    fail "producing batch $b failed"
  b=$((b + 1))
done
t1=$(now_ms)

# -o beginning -e: every partition from offset 0 until its end, then exit. Lines in
# consumption order; within a partition that is offset order.
out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J) || fail "consuming failed"
echo "$out" | jq -s --argjson n "$N" --argjson t0 "$t0" --argjson t1 "$t1" '
  map(. + {seq: (.payload | tonumber)}) as $m |
  [
    (if ($m | length) != $n then "expected \($n) messages, got \($m | length)" else empty end),
    ($m | [.[].seq] | sort | . as $s | if $s != [range(0; $n)] then
      "seqs are not 0..\($n - 1) exactly once each: duplicates \([group_by(.)[] | select(length > 1)[0]][:10]), missing \([range(0; $n)] - $s | .[:10])"
      else empty end),
    ($m[] | select(.key != "k\(.seq % 50)") | "seq \(.seq): key \(.key), expected k\(.seq % 50)"),
    ($m | group_by(.key)[] | select(([.[].partition] | unique | length) > 1) |
      "key \(.[0].key) landed on partitions \([.[].partition] | unique)"),
    ($m | group_by(.key)[] | [.[].seq] as $s | select($s != ($s | sort)) | "key \(.[0].key): seqs out of order: \($s)"),
    ($m | group_by(.partition)[] | select([.[].offset] != [range(0; length)]) |
      "partition \(.[0].partition): offsets in consumption order are not 0..\(length - 1): \([.[].offset][:20])"),
    ($m | [.[].partition] | unique | select(. != [0, 1, 2]) | "50 keys should spread over partitions [0,1,2], got \(.)"),
    ($m[] | select(.headers != ["batch", "\(.seq / 100 | floor)", "producer", "kcat"]) |
      "seq \(.seq): headers \(.headers), expected [batch, \(.seq / 100 | floor), producer, kcat]"),
    ($m[] | select(.tstype != "create" or .ts < $t0 or .ts > $t1) |
      "seq \(.seq): timestamp \(.tstype) \(.ts), expected a CreateTime within [\($t0), \($t1)]"),
    ($m | group_by(.partition)[] | [.[].ts] as $ts | select($ts != ($ts | sort)) |
      "partition \(.[0].partition): timestamps decrease with the offset")
  ]' | report "$topic"

echo "kcat: $N messages over 3 partitions came back once each, in order per key, with their headers and timestamps"
