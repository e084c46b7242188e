#!/bin/sh
# The shipped rules (rules/macos) on the bundled samples (samples/).
#
#   TRUSTLINE=./trustline sh tests/golden/samples.sh
#       the suite: rules lint/test clean; for every story its .log and
#       .ndjson (and the busy hour's compact and syslog files, and the
#       pretty .json) give the same matches; the prefilter changes
#       nothing; every planted incident of the story's .manifest is
#       recognised as an episode, and nothing outside the incidents is
#       flagged above low. Prints "N passed, N failed"; exit 1 on failure.
#
#   trustline scan -f ndjson FILE | sh tests/golden/samples.sh digest
#       a filter: one line per episode (id, level, rule, span, events,
#       then its keys and verdict) and per matched event (episode or --,
#       time, level, rule, process id, extracted fields). The golden cases
#       tests/golden/cases/samples-*.cmd use it.
#
# Plain sh and POSIX awk: no python, no jq.
set -u
LC_ALL=C
export LC_ALL

NDJSON_AWK=$(cat "$(dirname "$0")/../lib/ndjson.awk") || exit 2

digest() {
    awk "$NDJSON_AWK"'
{
    parse($0)
    rec = V["record"]
    if (rec == "episode") {
        print "E" V["episode"] " " V["level"] " " V["rule.name"] " " \
              V["datetime"] " .. " V["event.end"] " events=" V["events"]
        after = 0; keys = ""
        for (j = 1; j <= NK; j++) {
            if (after) keys = keys " " K[j] "=" V[K[j]]
            if (K[j] == "rules") after = 1
        }
        print "   keys:" keys
        print "   verdict: " V["verdict"]
    } else if (rec == "event") {
        ep = (V["episode"] != "" && V["episode"] != "null") ? "E" V["episode"] : "--"
        line = "  " ep " " V["datetime"] " " V["level"] " " V["rule.name"] \
               " proc=" V["process.pid"]
        after = 0
        for (j = 1; j <= NK; j++) {
            if (K[j] == "macos") break
            if (after) line = line " " K[j] "=" V[K[j]]
            if (K[j] == "summary") after = 1
        }
        print line
    } else if (rec == "summary") {
        print "summary: hits=" V["hits"] " episodes=" V["episodes"] \
              " levels=" V["levels"]
    }
}'
}

if [ "${1:-}" = digest ]; then
    digest
    exit $?
fi

T=${TRUSTLINE:?"set TRUSTLINE to the trustline binary"}
case $T in /*) ;; *) T=$(pwd)/$T ;; esac
RULES=rules/macos
unset TRUSTLINE_RULES
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "golden samples: $*" >&2
}

# scan FILE [OPTIONS]: the digest of the shipped rules on FILE
scan() {
    f=$1
    shift
    "$T" scan -r "$RULES" -f ndjson "$@" "$f" | digest
}

# same NAME A B: the files must be equal
same() {
    if cmp -s "$2" "$3"; then
        ok
    else
        bad "$1: $2 and $3 differ:"
        diff "$2" "$3" | head -n 20 >&2
    fi
}

# The shipped rules themselves.
"$T" rules lint "$RULES" >"$tmp/lint" 2>&1
rc=$?
if [ $rc = 0 ] && [ ! -s "$tmp/lint" ]; then ok; else
    bad "rules lint $RULES: exit $rc"
    head -n 20 "$tmp/lint" >&2
fi
if "$T" rules test "$RULES" >"$tmp/test" 2>&1; then ok; else
    bad "rules test $RULES failed:"
    grep -v '^ok' "$tmp/test" | head -n 20 >&2
fi

# The events of a digest without episode ids and times (for styles whose
# timestamps or thread ids differ), sorted.
events() {
    grep '^  [E-]' "$1" | awk '{ $1 = ""; $2 = ""; print }' | sort
}

for s in expired-cert-migration notarized-first-launch blocked-unsigned \
         bsi-rollback busy-hour; do
    scan "samples/$s.log" >"$tmp/$s.log.d"
    scan "samples/$s.ndjson" >"$tmp/$s.ndjson.d"
    same "$s: .log vs .ndjson" "$tmp/$s.log.d" "$tmp/$s.ndjson.d"
    scan "samples/$s.log" --no-prefilter >"$tmp/$s.nopf.d"
    same "$s: prefilter vs --no-prefilter" "$tmp/$s.log.d" "$tmp/$s.nopf.d"
    # The read-ahead thread (and its chunk-wide literal search) changes
    # nothing: output and statistics byte for byte.
    for f in "samples/$s.log" "samples/$s.ndjson"; do
        "$T" scan -r "$RULES" -f ndjson --batch --stats --threads 1 "$f" \
            >"$tmp/$s.t1" 2>&1
        "$T" scan -r "$RULES" -f ndjson --batch --stats --threads 2 "$f" \
            >"$tmp/$s.t2" 2>&1
        same "$f: --threads 1 vs 2" "$tmp/$s.t1" "$tmp/$s.t2"
    done
    if [ -f "samples/$s.json" ]; then
        scan "samples/$s.json" >"$tmp/$s.json.d"
        same "$s: .log vs .json" "$tmp/$s.log.d" "$tmp/$s.json.d"
    fi

    # Every incident recognised, nothing else above low.
    if awk -v story="$s" '
        FNR == NR {
            if ($0 ~ /^#/ || NF == 0) next
            n = split($0, f, "\t")
            kind = f[2]; key = ""
            for (i = 3; i <= n; i++) {
                split(f[i], kv, "=")
                val = substr(f[i], length(kv[1]) + 2)
                if (kv[1] == "path_hash") key = "path_hash=" val
                if (kv[1] == "path" && key == "") {
                    m = split(val, parts, "/")
                    key = "executable=" parts[m]
                }
                if (kv[1] == "error_code" && kind ~ /^bsi/) key = "error_code=" val
                if (kv[1] == "version" && key == "") key = "bsi_version=" val
            }
            inc++; want[inc] = key; what[inc] = kind
            next
        }
        /^E[0-9]/ { lvl = $2 }
        /^   keys:/ {
            keys[++ne] = $0 " "; elvl[ne] = lvl
            next
        }
        /^  -- / && ($3 == "medium" || $3 == "high" || $3 == "critical") {
            print story ": flagged " $3 " outside any episode: " $0
            err = 1
        }
        END {
            for (i = 1; i <= inc; i++) {
                found = 0
                for (e = 1; e <= ne; e++)
                    if (index(keys[e], " " want[i] " ") && elvl[e] != "informational" || \
                        index(keys[e], " " want[i] " ") && what[i] == "notarized-first-launch")
                        found = 1
                if (!found) {
                    print story ": incident " what[i] " (" want[i] ") not recognised"
                    err = 1
                }
            }
            for (e = 1; e <= ne; e++) {
                if (elvl[e] == "informational" || elvl[e] == "low") continue
                hit = 0
                for (i = 1; i <= inc; i++)
                    if (index(keys[e], " " want[i] " ")) hit = 1
                if (!hit) {
                    print story ": episode at " elvl[e] " matches no incident:" keys[e]
                    err = 1
                }
            }
            exit err
        }' "samples/$s.manifest" "$tmp/$s.log.d" >"$tmp/$s.inc"; then
        ok
    else
        bad "$s: incidents of samples/$s.manifest:"
        cat "$tmp/$s.inc" >&2
    fi
done

# The busy hour in the compact and syslog styles: the same matches with
# the same fields (episodes may differ: syslog has no thread ids, compact
# only milliseconds).
events "$tmp/busy-hour.log.d" >"$tmp/bh.ev"
for st in compact syslog; do
    scan "samples/busy-hour.$st.log" >"$tmp/bh.$st.d"
    events "$tmp/bh.$st.d" >"$tmp/bh.$st.ev"
    same "busy-hour: .log vs .$st.log matches" "$tmp/bh.ev" "$tmp/bh.$st.ev"
done

echo "golden samples: $pass passed, $fail failed"
[ $fail = 0 ]
