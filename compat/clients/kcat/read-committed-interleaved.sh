#!/bin/sh
# kcat: read_committed over transactions of three producers interleaved on a 1-partition topic.
# kcat has no transactional producer (and cannot create topics); the topic and the transactions
# are written by compat/lib/interleaved-txns.ts with Runnel's wire helper, run first (two rounds
# in which A and B abort, in both abort orders, while C commits c1..c4 around them). Then
# -C -o beginning -e with -X isolation.level=read_committed (librdkafka's default, named anyway)
# reads exactly c1..c4, once each, in order, and with read_uncommitted all 14 values in log order.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
repo=$(cd "$(dirname "$0")/../../.." && pwd)
COMMITTED='["c1","c2","c3","c4"]'
# In log order: round 1 c1 b1 a1 b2 a2 c2 b3, round 2 a3 c3 b4 a4 b5 c4 a5.
ALL='["c1","b1","a1","b2","a2","c2","b3","a3","c3","b4","a4","b5","c4","a5"]'

written=$(cd "$repo" && node --import tsx compat/lib/interleaved-txns.ts "$B" "$topic" 2>&1) ||
  fail "writing the interleaved transactions failed: $written"
wait_topic "$topic" 1

# read ISOLATION: the payloads read from the beginning to the end, as a JSON array.
read_all() {
  out=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -X isolation.level="$1" -J) || fail "consuming ($1) failed"
  echo "$out" | jq -s -c '[.[].payload]'
}
rc=$(read_all read_committed)
ru=$(read_all read_uncommitted)
jq -n --argjson rc "$rc" --argjson ru "$ru" --argjson c "$COMMITTED" --argjson a "$ALL" --arg w "$written" '
  [
    (if $rc != $c then "read_committed: expected \($c), got \($rc)" else empty end),
    (if $ru != $a then "read_uncommitted: expected \($a), got \($ru)" else empty end)
  ] | if length > 0 then . + ["written: \($w)"] else . end' | report "$topic"

echo "kcat: read_committed saw c1,c2,c3,c4 only, read_uncommitted all 14 values of the interleaved transactions"
