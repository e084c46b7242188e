#!/bin/sh
# Live input: a FIFO with a writer that pauses (the event must arrive
# before the writer goes on), Ctrl-C (open episodes and the summary are
# written, exit 0), a reader that goes away (| head: quiet), and a full
# disk (/dev/full: a clear error, exit 4).
set -u
TL=${TRUSTLINE:-./trustline}
R=tests/golden/live/rules.yml
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT
ok() { pass=$((pass + 1)); }
bad() { echo "live: FAIL: $*" >&2; fail=$((fail + 1)); }
line() {
    printf '{"timestamp":"2024-01-01 00:00:%02d.000000+0000","processID":1,"process":"syspolicyd","eventMessage":"%s"}\n' "$1" "$2"
}
# wait_for FILE TEXT: up to 5 s
wait_for() {
    i=0
    while [ $i -lt 50 ]; do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# 1. The event arrives while the writer pauses (no EOF yet).
mkfifo "$tmp/in"
"$TL" scan -r "$R" -f ndjson "$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
line 1 "Allowing evaluation due to migration: PST: (path: 00000000000000aa)" >&3
if wait_for "$tmp/out" '"record":"event"'; then ok; else bad "event not written while the writer paused"; fi
line 2 "nothing to see" >&3
exec 3>&-
wait $pid
rc=$?
[ $rc = 0 ] && ok || bad "exit status $rc after EOF"
grep -q '"record":"episode"' "$tmp/out" && ok || bad "episode not written at EOF"
grep -q '"record":"summary"' "$tmp/out" && ok || bad "summary not written at EOF"

# 2. Ctrl-C: the open episode and the summary are written, exit 0.
rm -f "$tmp/in" && mkfifo "$tmp/in"
"$TL" scan -r "$R" -f ndjson "$tmp/in" >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
exec 3>"$tmp/in"
line 1 "Allowing evaluation due to migration: PST: (path: 00000000000000bb)" >&3
wait_for "$tmp/out2" '"record":"event"' || bad "event not written (2)"
kill -INT $pid
wait $pid
rc=$?
exec 3>&-
[ $rc = 0 ] && ok || bad "exit status $rc after SIGINT"
grep -q '"record":"episode".*00000000000000bb' "$tmp/out2" && ok || bad "open episode not flushed on SIGINT"
grep -q '"record":"summary"' "$tmp/out2" && ok || bad "summary not written on SIGINT"

# 3. | head: the reader goes away, trustline ends quietly.
{ for i in $(seq 1 40); do line $((i % 60)) "Allowing evaluation due to migration: PST: (path: 00000000000000cc)"; done; } >"$tmp/many"
i=0
while [ $i -lt 200 ]; do cat "$tmp/many"; i=$((i + 1)); done >"$tmp/big"
"$TL" scan --live -r "$R" "$tmp/big" 2>"$tmp/err3" | head -n 1 >/dev/null
[ ! -s "$tmp/err3" ] && ok || { bad "| head was not quiet:"; cat "$tmp/err3" >&2; }

# 4. /dev/full: a clear error, exit 4.
if [ -w /dev/full ]; then
    "$TL" scan -r "$R" "$tmp/big" >/dev/full 2>"$tmp/err4"
    rc=$?
    [ $rc = 4 ] && ok || bad "exit status $rc writing to /dev/full"
    grep -q "write error" "$tmp/err4" && ok || bad "no write error message for /dev/full"
    "$TL" parse "$tmp/big" >/dev/full 2>"$tmp/err5"
    rc=$?
    [ $rc = 4 ] && ok || bad "parse: exit status $rc writing to /dev/full"
fi

echo "live: $pass passed, $fail failed"
[ $fail = 0 ]
