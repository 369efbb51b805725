#!/bin/sh
# kcat: the balanced consumer (-G) in classic consumer groups on a 3-partition topic, with the
# cooperative-sticky assignor. Every member is a kcat process of its own; what it reads (-J, one
# JSON line per message) goes to <member>.out, its rebalance messages ("incremental assignment
# of ..." / "incremental revoke of ...") to <member>.err, from which its partitions are worked
# out. kcat stores each message's offset when it prints it, commits them every 5 s
# (auto.commit.interval.ms: kcat's -X puts that name into the topic configuration, where it is a
# leftover of the legacy consumer, so the group consumer keeps the default; see FINDINGS.md), and
# commits once more when partitions are revoked and when it closes (SIGTERM).
#
#  1. members A and B split the partitions and read 30 messages between them, each from a
#     partition it owns; cooperatively, A gives up only what B gets;
#  2. B closes (SIGTERM: commit, LeaveGroup): A is given B's partitions and reads the next 30;
#  3. member C joins and takes partitions, reads 30 more (and, 5.5 s later, has committed them),
#     and is killed with SIGKILL (no LeaveGroup): once the broker expires its session (6 s) A
#     gets its partitions and reads the 30 produced after the kill, and none of C's;
#  4. A closes; 30 more; a new member D reads exactly those (the committed offsets).
# Every message must be read exactly once over the whole run. kcat has no group admin (describe,
# list, delete, offsets): that part of the scenario is left to the other clients.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
group="$topic-group"
dir=$(mktemp -d)
trap 'for f in "$dir"/*.pid; do [ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; rm -rf "$dir"' EXIT

wait_topic "$topic" 3

# start NAME: a balanced consumer in the background.
start() {
  "$KCAT" -b "$B" -G "$group" -u -J \
    -X partition.assignment.strategy=cooperative-sticky \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 -X max.poll.interval.ms=10000 \
    -X auto.offset.reset=earliest $FAST_EOF \
    "$topic" >"$dir/$1.out" 2>"$dir/$1.err" &
  echo $! >"$dir/$1.pid"
}

alive() { kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

# stop NAME: SIGTERM (kcat commits and leaves the group), then wait for it to exit.
stop() {
  kill -TERM "$(cat "$dir/$1.pid")"
  n=0
  while alive "$1"; do
    n=$((n + 1))
    [ "$n" -lt 100 ] || fail "$1 did not exit within 10 s of SIGTERM"
    sleep 0.1
  done
  rm "$dir/$1.pid"
}

# owned NAME: its partitions now, e.g. "0,2", from the rebalance messages (cooperative: each
# message adds or takes away partitions).
owned() {
  awk '
    /rebalanced: incremental (assignment|revoke) of/ {
      add = index($0, "incremental assignment") > 0
      n = split(substr($0, index($0, "protocol): ") + 11), parts, ", ")
      for (i = 1; i <= n; i++)
        if (match(parts[i], /\[[0-9]+\]$/)) {
          p = substr(parts[i], RSTART + 1, RLENGTH - 2)
          if (add) own[p] = 1; else delete own[p]
        }
    }
    END { out = ""; for (p = 0; p < 3; p++) if (p in own) out = out (out == "" ? "" : ",") p; print out }
  ' "$dir/$1.err"
}

# read_by NAMES...: what they have read, as a JSON array of {member, partition, value}.
read_by() {
  for m in "$@"; do jq -c --arg m "$m" '{member: $m, partition, value: .payload}' "$dir/$m.out"; done | jq -s .
}

# until DESCRIPTION TIMEOUT_S COMMAND...: runs COMMAND every 0.1 s until it succeeds.
until_ok() {
  what=$1 limit=$(($2 * 10))
  shift 2
  n=0
  until "$@"; do
    for f in "$dir"/*.pid; do
      m=$(basename "$f" .pid)
      alive "$m" || fail "member $m died: $(tail -5 "$dir/$m.err")"
    done
    n=$((n + 1))
    [ "$n" -lt "$limit" ] || fail "$what: not within $(($limit / 10)) s; owned: $(for m in $members; do printf '%s=[%s] ' "$m" "$(owned "$m")"; done)"
    sleep 0.1
  done
}

split_between() { # split_between X Y: each owns one at least, together all three, none shared
  x=$(owned "$1") y=$(owned "$2")
  [ -n "$x" ] && [ -n "$y" ] && [ "$(echo "$x,$y" | tr , '\n' | sort -n | tr '\n' ' ')" = "0 1 2 " ]
}
owns_all() { [ "$(owned "$1")" = "0,1,2" ]; }

# produce PHASE: 10 messages to each partition, valued PHASE-<partition>-<i>.
produce() {
  for p in 0 1 2; do
    awk -v ph="$1" -v p="$p" 'BEGIN { for (i = 0; i < 10; i++) printf "%s-%d-%d\n", ph, p, i }' |
      "$KCAT" -b "$B" -P -t "$topic" -p "$p" -X acks=all || fail "producing $1 to partition $p failed"
  done
}

phase_done() { [ "$(read_by $members | jq --arg ph "$1-" '[.[] | select(.value | startswith($ph)) | .value] | unique | length')" = 30 ]; }

# read_once PHASE OWNERS...: waits until the phase's 30 messages were read, then checks each was
# read once, by one of OWNERS owning its partition.
read_once() {
  phase=$1
  shift
  until_ok "30 $phase messages read" 20 phase_done "$phase"
  sleep 0.3 # a duplicate would come now
  owners=$(for m in "$@"; do printf '{"%s": [%s]}' "$m" "$(owned "$m")"; done | jq -s add)
  read_by $members | jq --arg ph "$phase-" --argjson owners "$owners" '
    [.[] | select(.value | startswith($ph))] as $got |
    [
      (if ($got | length) != 30 then "\($ph): each message once, but \($got | length) read for 30" else empty end),
      ($got[] | . as $r | select(any(($owners[$r.member] // [])[]; . == $r.partition) | not) |
        "\(.value) read by \(.member), which is not one of \($owners | keys) owning partition \(.partition)")
    ]' | report "$phase"
}

# 1. Two members split the partitions, cooperatively.
members="A"
start A
until_ok "A alone should own all 3 partitions" 20 owns_all A
members="A B"
start B
until_ok "A and B should split the 3 partitions" 20 split_between A B
b_owned=$(owned B)
revoked=$(grep -c 'incremental revoke' "$dir/A.err" || true)
[ "$revoked" = 1 ] && grep 'incremental revoke' "$dir/A.err" | grep -q "revoke of $(echo "$b_owned" | tr , '\n' | wc -l) partition" ||
  fail "cooperative: A should have given up only B's partitions ($b_owned) in one revoke: $(grep rebalanced "$dir/A.err")"
echo "kcat: 1. A owns $(owned A), B owns $b_owned; A gave up only B's partitions"
produce p1
read_once p1 A B

# 2. B leaves: A gets B's partitions added.
stop B
until_ok "after B left, A should own all 3 partitions" 20 owns_all A
[ "$(grep -c 'incremental revoke' "$dir/A.err")" = 1 ] || fail "cooperative: A should not give anything up when B leaves: $(grep rebalanced "$dir/A.err")"
produce p2
read_once p2 A
echo "kcat: 2. B left; A was assigned $b_owned on top of its own, revoked nothing, and read the next 30"

# 3. C joins, then dies without leaving.
members="A B C"
start C
until_ok "A and C should split the 3 partitions" 30 split_between A C
c_owned=$(owned C)
produce p3
read_once p3 A C
sleep 5.5 # C's reads committed (every 5 s)
kill -9 "$(cat "$dir/C.pid")"
rm "$dir/C.pid"
killed_at=$(now_ms)
produce p4
until_ok "A should get C's partitions ($c_owned) once C's session expires" 20 owns_all A
handover=$(($(now_ms) - killed_at))
[ "$handover" -ge 5000 ] || fail "C's partitions moved $handover ms after the kill: before its 6000 ms session could expire"
read_once p4 A
echo "kcat: 3. C (owning $c_owned) killed; A got its partitions after $handover ms and read the 30 produced since"

# 4. The committed offsets carry the group's progress to a new member.
stop A
produce p5
members="A B C D"
start D
until_ok "D should own all 3 partitions" 20 owns_all D
read_once p5 D
read_by D | jq '[.[] | select(.value | startswith("p5-") | not) | "D read \(.value), from before the committed offsets"]' | report D
echo "kcat: 4. A left; a new member D read exactly the 30 produced after the last commit"

read_by $members | jq '[.[].value] | [(if length != 150 then "150 messages should have been read, got \(length)" else empty end),
  (group_by(.)[] | select(length > 1) | "\(.[0]) read \(length) times")]' | report "whole run"
stop D
echo "kcat: groups: cooperative split, leave, kill (session timeout) and committed offsets as expected (kcat has no group admin)"
