#!/bin/sh
# kcat in the three-broker cluster: an idempotent producer (-X enable.idempotence=true, which
# implies acks=all) sends 600 messages over the 6 partitions of an auto-created
# replication-factor-3 topic, in 3 invocations (3 producer ids); each comes back exactly once, in
# order per partition.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
N=600
P=6

wait_topic "$topic" "$P"
wait_layout "$topic" "$P"

for b in 0 1 2; do
  awk -v b="$b" 'BEGIN { for (i = b * 200; i < (b + 1) * 200; i++) printf "k%d:%d\n", i % 60, i }' |
    "$KCAT" -b "$B" -P -t "$topic" -K: -X enable.idempotence=true -X linger.ms=5 || fail "producing batch $b failed"
done

out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J) || fail "consuming failed"
echo "$out" | jq -s --argjson n "$N" --argjson p "$P" '
  map(. + {seq: (.payload | tonumber)}) as $m |
  [
    (if ($m | length) != $n then "expected \($n) messages, got \($m | length)" else empty end),
    ($m | [.[].seq] | sort | . as $s | if $s != [range(0; $n)] then
      "seqs are not 0..\($n - 1) exactly once each: duplicates \([group_by(.)[] | select(length > 1)[0]][:10]), missing \([range(0; $n)] - $s | .[:10])"
      else empty end),
    ($m | group_by(.partition)[] | [.[].seq] as $s | select($s != ($s | sort)) | "partition \(.[0].partition): seqs out of order"),
    ($m | [.[].partition] | unique | select(length != $p) | "60 keys should spread over all \($p) partitions, got \(.)")
  ]' | report "$topic"

echo "kcat: $N idempotently produced messages over 6 replicated partitions came back exactly once each, in order"
