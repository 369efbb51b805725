#!/bin/sh
# kcat in the three-broker cluster: the topic comes from auto-creation (kcat has no admin API; the
# cluster auto-creates with 6 partitions and default.replication.factor=3), bootstrapping from one
# broker; its layout is checked (wait_layout), 600 keyed messages are produced with -X acks=all and
# read back from the beginning of every partition (each from its leader). One request in flight:
# librdkafka retries (a leader may answer NOT_LEADER_OR_FOLLOWER for a moment after the topic was
# created), and without idempotence only that keeps the order per key.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
N=600
P=6

wait_topic "$topic" "$P"
wait_layout "$topic" "$P"

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "k%d:%d\n", i % 60, i }' |
  "$KCAT" -b "$B" -P -t "$topic" -K: -X acks=all -X max.in.flight.requests.per.connection=1 || fail "producing failed"

out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J) || fail "consuming failed"
echo "$out" | jq -s --argjson n "$N" --argjson p "$P" '
  map(. + {seq: (.payload | tonumber)}) as $m |
  [
    (if ($m | length) != $n then "expected \($n) messages, got \($m | length)" else empty end),
    ($m | [.[].seq] | sort | . as $s | if $s != [range(0; $n)] then
      "seqs are not 0..\($n - 1) exactly once each: duplicates \([group_by(.)[] | select(length > 1)[0]][:10]), missing \([range(0; $n)] - $s | .[:10])"
      else empty end),
    ($m[] | select(.key != "k\(.seq % 60)") | "seq \(.seq): key \(.key), expected k\(.seq % 60)"),
    ($m | group_by(.key)[] | select(([.[].partition] | unique | length) > 1) |
      "key \(.[0].key) landed on partitions \([.[].partition] | unique)"),
    ($m | group_by(.key)[] | [.[].seq] as $s | select($s != ($s | sort)) | "key \(.[0].key): seqs out of order: \($s)"),
    ($m | group_by(.partition)[] | select([.[].offset] != [range(0; length)]) |
      "partition \(.[0].partition): offsets are not 0..\(length - 1): \([.[].offset][:20])"),
    ($m | [.[].partition] | unique | select(length != $p) | "60 keys should spread over all \($p) partitions, got \(.)")
  ]' | report "$topic"

echo "kcat: 6 partitions with replication factor 3 spread over brokers $RUNNEL_BROKERS; $N messages with acks=all came back once each, in order per key"
