#!/bin/sh
# Rebuild bench/tlgen.c and rewrite every sample in samples/, byte for
# byte the same on every run (fixed seed, no clock, no locale).
#
#   sh samples/regen.sh            regenerate, then check with ./trustline
#   CC=clang sh samples/regen.sh   another compiler (output is identical)
#   CHECK=0 sh samples/regen.sh    regenerate only
#
# The check parses every sample with `trustline parse --stats` (0
# malformed lines) and compares the styles of one story: the .log and
# the .ndjson must give the same events (timestamp, process, message),
# busy-hour's compact and syslog files the same processes and messages,
# and the pretty .json exactly the same fields as the .ndjson.
set -eu

cd "$(dirname "$0")/.."
CC=${CC:-cc}
BUILD=${BUILD:-build}
TRUSTLINE=${TRUSTLINE:-./trustline}
CHECK=${CHECK:-1}
SEED=1
STORIES="expired-cert-migration notarized-first-launch blocked-unsigned bsi-rollback busy-hour"

mkdir -p "$BUILD/samples"
TLGEN=$BUILD/samples/tlgen
$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o "$TLGEN" bench/tlgen.c

gen() { # story style file [options...]
    story=$1 style=$2 file=$3
    shift 3
    "$TLGEN" --story "$story" --seed "$SEED" --info --style "$style" \
        -o "samples/$file" "$@"
}

for s in $STORIES; do
    gen "$s" default "$s.log" --preamble --manifest "samples/$s.manifest"
    gen "$s" ndjson "$s.ndjson"
done
gen busy-hour compact busy-hour.compact.log --preamble
gen busy-hour syslog busy-hour.syslog.log --preamble
gen expired-cert-migration json expired-cert-migration.json
echo "regen: samples written"

[ "$CHECK" = 1 ] || exit 0
if [ ! -x "$TRUSTLINE" ]; then
    echo "regen: $TRUSTLINE not found; run make first to check the samples" >&2
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# Fields of each event, one line per event: the listed keys as they
# appear (still JSON-escaped) in `trustline parse` output.
fields() { # file key...
    f=$1
    shift
    "$TRUSTLINE" parse "$f" 2>/dev/null | awk -v keys="$*" '
        BEGIN { n = split(keys, k, " ") }
        {
            out = ""
            for (i = 1; i <= n; i++) {
                re = "\"" k[i] "\":\"([^\"\\\\]|\\\\.)*\""
                v = match($0, re) ? substr($0, RSTART, RLENGTH) : "-"
                out = out v "\t"
            }
            if (out ~ /"eventMessage":"=== /)
                next # Timesync: compact and syslog leave them out
            print out
        }'
}

for f in samples/*.log samples/*.ndjson samples/*.json; do
    "$TRUSTLINE" parse --stats "$f" 2>"$tmp/stats" >/dev/null || {
        echo "regen: FAIL: trustline parse $f exited with $?" >&2
        fail=1
        continue
    }
    bad=$(awk '$1 == "malformed" { print $2 }' "$tmp/stats")
    n=$(awk '$1 == "records" { print $2 }' "$tmp/stats")
    if [ "$bad" != 0 ]; then
        echo "regen: FAIL: $f: $bad malformed lines" >&2
        fail=1
    else
        printf 'regen: ok   %-40s %6s events, 0 malformed\n' "$f" "$n"
    fi
done

same() { # what a b
    if cmp -s "$2" "$3"; then
        echo "regen: ok   $1"
    else
        echo "regen: FAIL: $1 differ:" >&2
        diff "$2" "$3" | head -n 10 >&2
        fail=1
    fi
}

for s in $STORIES; do
    fields "samples/$s.log" timestamp process eventMessage >"$tmp/a"
    fields "samples/$s.ndjson" timestamp process eventMessage >"$tmp/b"
    same "$s.log = $s.ndjson (timestamp, process, message)" "$tmp/a" "$tmp/b"
done
fields samples/busy-hour.ndjson process eventMessage >"$tmp/b"
for v in compact syslog; do
    fields "samples/busy-hour.$v.log" process eventMessage >"$tmp/a"
    same "busy-hour.$v.log = busy-hour.ndjson (process, message)" "$tmp/a" "$tmp/b"
done
strip='s/^{"input":"[^"]*","line":[0-9]*,"style":"[a-z]*",/{/'
"$TRUSTLINE" parse samples/expired-cert-migration.json | sed "$strip" >"$tmp/a"
"$TRUSTLINE" parse samples/expired-cert-migration.ndjson | sed "$strip" >"$tmp/b"
same "expired-cert-migration.json = .ndjson (every field)" "$tmp/a" "$tmp/b"

for s in $STORIES; do
    n=$(grep -vc '^#' "samples/$s.manifest" || true)
    echo "regen: $s.manifest: $n incidents"
done
[ "$fail" = 0 ] || { echo "regen: some checks failed" >&2; exit 1; }
echo "regen: all checks passed"
