#!/bin/sh
# make bench: throughput and peak RSS of trustline against cat and rg,
# side by side on the same generated files.
#
# Environment (make bench sets the first three):
#   TRUSTLINE        the binary to measure (default ./trustline)
#   BUILD            build directory; tlgen and peakrss are in $BUILD/bench
#   BENCH_MB         corpus size per style in MB (10^6 bytes; default 300)
#   BENCH_SEED       tlgen seed (default 1)
#   BENCH_RUNS       runs per cell; the best time counts (default 3)
#   BENCH_STYLES     styles to measure (default "default compact syslog ndjson")
#   BENCH_RSS=1      instead of the table: trustline parse and scan on
#                    default-style corpora of BENCH_RSS_SIZES MB (default
#                    "100 2000") and each peak RSS, to show that memory
#                    stays flat
#
# Corpora are generated once into $BUILD/bench-corpus/ and regenerated
# when the size, the seed, the generator options or bench/tlgen.c change.
set -u

TRUSTLINE=${TRUSTLINE:-./trustline}
BUILD=${BUILD:-build}
BENCH_MB=${BENCH_MB:-300}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_STYLES=${BENCH_STYLES:-"default compact syslog ndjson"}
BENCH_RSS=${BENCH_RSS:-0}
BENCH_RSS_SIZES=${BENCH_RSS_SIZES:-"100 2000"}
TLGEN=$BUILD/bench/tlgen
PEAKRSS=$BUILD/bench/peakrss
CORPUS=$BUILD/bench-corpus
GENOPTS="--info --debug --security-rate 0.01"

# The table's columns (TABLE), one per line: LABEL|NEEDS|OK|COMMAND
#   LABEL    column heading
#   NEEDS    a program that must be on PATH (or the path of one), or -
#   OK       exit statuses that count as success, comma-separated
#   COMMAND  the command, expanded with $FILE (the corpus file), $STYLE
#            and $TRUSTLINE; its stdout goes to /dev/null
#   $LITS is a file with the shipped rules' prefilter literals (one per
#   line), $GENRULES a directory of 1,000 generated rules.
# shellcheck disable=SC2016 # expanded later, per corpus file
TABLE='cat|cat|0|cat "$FILE"
rg -c TemporalValidity|rg|0,1|rg -c TemporalValidity "$FILE"
rg -c -i -F literals|rg|0,1|rg -c -i -F -f "$LITS" "$FILE"
trustline parse|$TRUSTLINE|0|"$TRUSTLINE" parse --style "$STYLE" "$FILE"
parse --threads 1|$TRUSTLINE|0|"$TRUSTLINE" parse --threads 1 --style "$STYLE" "$FILE"
scan (shipped rules)|$TRUSTLINE|0|"$TRUSTLINE" scan --batch -r rules/macos --style "$STYLE" "$FILE"
scan --threads 1|$TRUSTLINE|0|"$TRUSTLINE" scan --threads 1 --batch -r rules/macos --style "$STYLE" "$FILE"
scan, 1000 more rules|$TRUSTLINE|0|"$TRUSTLINE" scan --batch -r rules/macos -r "$GENRULES" --style "$STYLE" "$FILE"
scan -f ndjson|$TRUSTLINE|0|"$TRUSTLINE" scan --batch -r rules/macos -f ndjson --style "$STYLE" "$FILE"
scan -f csv|$TRUSTLINE|0|"$TRUSTLINE" scan --batch -r rules/macos -f csv --style "$STYLE" "$FILE"
scan -f html|$TRUSTLINE|0|"$TRUSTLINE" scan --batch -r rules/macos -f html --style "$STYLE" "$FILE"'

say() { printf '%s\n' "$*"; }
err() { printf 'bench: %s\n' "$*" >&2; }

for tool in "$TLGEN" "$PEAKRSS"; do
    if [ ! -x "$tool" ]; then
        err "$tool is missing; run make bench (it builds bench/*.c first)"
        exit 2
    fi
done
if [ ! -x "$TRUSTLINE" ]; then
    err "$TRUSTLINE is missing; run make first"
    exit 2
fi

src_sum=$(cksum <bench/tlgen.c 2>/dev/null | awk '{ print $1 }')

name_of() { # style -> file name suffix
    case $1 in
    ndjson | json) echo "$1" ;;
    *) echo "$1.log" ;;
    esac
}

# corpus STYLE MB: print the path of a corpus, generating it if needed.
corpus() {
    style=$1 mb=$2
    f=$CORPUS/corpus-${mb}mb-seed$BENCH_SEED.$(name_of "$style")
    stamp="mb=$mb seed=$BENCH_SEED style=$style opts=$GENOPTS src=$src_sum"
    if [ -f "$f" ] && [ -f "$f.stamp" ] && [ "$(cat "$f.stamp")" = "$stamp" ]; then
        echo "$f"
        return 0
    fi
    mkdir -p "$CORPUS" || return 1
    rm -f "$f" "$f.stamp"
    err "generating $f ($mb MB, $style style)"
    # shellcheck disable=SC2086
    if ! "$TLGEN" --style "$style" --size "$mb" --seed "$BENCH_SEED" $GENOPTS \
        -o "$f.tmp" --manifest "$f.manifest"; then
        err "FAILED: $TLGEN could not write $f (disk full?)"
        rm -f "$f.tmp"
        return 1
    fi
    mv "$f.tmp" "$f" && printf '%s\n' "$stamp" >"$f.stamp" && echo "$f"
}

size_of() { wc -c <"$1" | tr -d ' '; }

have() { # program name or path
    case $1 in
    -) return 0 ;;
    */*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

status_ok() { # status list
    case ",$2," in
    *",$1,"*) return 0 ;;
    *) return 1 ;;
    esac
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# The shipped rules' prefilter literals, for rg to search the same way.
LITS=$tmp/literals
"$TRUSTLINE" rules list --literals rules/macos 2>/dev/null | cut -f 2 |
    grep -v -x '[*]' | sort -u >"$LITS"
if [ ! -s "$LITS" ]; then
    err "trustline rules list --literals gave no literals"
    exit 2
fi

# 1,000 generated rules (random phrases, a tenth with a process and a
# regex), for the "many rules" column.
GENRULES=$tmp/genrules
mkdir -p "$GENRULES"
awk -v seed="$BENCH_SEED" 'BEGIN {
    srand(seed)
    split("alpha bravo cobalt delta ember fjord garnet harbor indigo jasper " \
          "kestrel lumen meadow nimbus onyx prairie quartz raven sierra " \
          "tundra umber vesper willow xenon yarrow zephyr", w, " ")
    for (i = 0; i < 1000; i++) {
        a = w[int(rand() * 26) + 1]; b = w[int(rand() * 26) + 1]
        printf "title: generated rule %d\nname: gen_%04d\nstatus: test\n", i, i
        printf "level: low\nlogsource: {product: macos, service: unifiedlog}\n"
        printf "detection:\n  sel:\n"
        if (i % 10 == 0) {
            printf "    process: gen%dd\n", i
            printf "    eventMessage|re: \x27%s [0-9]+ %s\x27\n", a, b
        } else {
            printf "    eventMessage|contains: \x27%s %s %d\x27\n", a, b, i
        }
        printf "  condition: sel\n---\n"
    }
}' >"$GENRULES/generated.yml"
trap 'exit 130' INT TERM
failed=0

# measure RUNS OKLIST COMMAND: run RUNS times under peakrss with $FILE
# and $STYLE set; print "best_seconds max_rss_kib", or return 1.
measure() {
    runs=$1 ok=$2 cmd=$3
    best='' maxrss=0 r=0
    while [ "$r" -lt "$runs" ]; do
        r=$((r + 1))
        eval "set -- $cmd"
        "$PEAKRSS" -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err"
        st=$?
        if ! status_ok "$st" "$ok"; then
            err "FAILED: '$*' exited with status $st"
            sed 's/^/bench:   /' "$tmp/err" | head -n 5 >&2
            return 1
        fi
        read -r secs kib <"$tmp/rss"
        best=$(awk -v a="$secs" -v b="${best:-$secs}" 'BEGIN { print (a < b ? a : b) }')
        [ "$kib" -gt "$maxrss" ] && maxrss=$kib
    done
    echo "$best $maxrss"
}

if [ "$BENCH_RSS" = 1 ]; then
    say "peak RSS by input size (default style, seed $BENCH_SEED)"
    printf '%10s  %-10s  %12s  %10s  %12s\n' "MB" "command" "seconds" \
        "MB/s" "peak RSS MiB"
    for mb in $BENCH_RSS_SIZES; do
        f=$(corpus default "$mb") || { failed=1; continue; }
        STYLE=default FILE=$f
        for cmd in parse scan; do
            # shellcheck disable=SC2016 # expanded by measure
            case $cmd in
            parse) c='"$TRUSTLINE" parse --style "$STYLE" "$FILE"' ;;
            scan) c='"$TRUSTLINE" scan --batch -r rules/macos --style "$STYLE" "$FILE"' ;;
            esac
            res=$(measure 1 0 "$c") || {
                failed=1
                continue
            }
            # shellcheck disable=SC2086 # two numbers
            set -- $res
            awk -v mb="$mb" -v cmd="$cmd" -v bytes="$(size_of "$f")" \
                -v s="$1" -v kib="$2" 'BEGIN {
                printf "%10s  %-10s  %12.3f  %10.1f  %12.1f\n", mb, cmd, s,
                       (s > 0 ? bytes / 1e6 / s : 0), kib / 1024 }'
        done
    done
    [ "$failed" = 0 ] || { err "some runs failed (see above)"; exit 1; }
    exit 0
fi

# The table.
ncol=$(printf '%s\n' "$TABLE" | wc -l | tr -d ' ')
say "trustline bench: $BENCH_MB MB per style (seed $BENCH_SEED, tlgen $GENOPTS), best of $BENCH_RUNS"
say "each cell: throughput in MB/s (10^6 bytes per second) and peak RSS in MiB"
line=$(printf '%-8s' style)
i=0
while [ "$i" -lt "$ncol" ]; do
    i=$((i + 1))
    label=$(printf '%s\n' "$TABLE" | sed -n "${i}p" | cut -d'|' -f1)
    line="$line | $(printf '%-24s' "$label")"
done
say "$line"
notes=

for STYLE in $BENCH_STYLES; do
    FILE=$(corpus "$STYLE" "$BENCH_MB") || { failed=1; continue; }
    bytes=$(size_of "$FILE")
    line=$(printf '%-8s' "$STYLE")
    i=0
    while [ "$i" -lt "$ncol" ]; do
        i=$((i + 1))
        row=$(printf '%s\n' "$TABLE" | sed -n "${i}p")
        label=$(printf '%s' "$row" | cut -d'|' -f1)
        needs=$(printf '%s' "$row" | cut -d'|' -f2)
        ok=$(printf '%s' "$row" | cut -d'|' -f3)
        cmd=$(printf '%s' "$row" | cut -d'|' -f4-)
        needs=$(eval "echo \"$needs\"")
        if ! have "$needs"; then
            cell="n/a ($needs missing)"
            case $notes in *"$needs"*) ;; *) notes="$notes $needs" ;; esac
        elif res=$(measure "$BENCH_RUNS" "$ok" "$cmd"); then
            # shellcheck disable=SC2086 # two numbers
            set -- $res
            cell=$(awk -v bytes="$bytes" -v s="$1" -v kib="$2" 'BEGIN {
                printf "%8.1f MB/s %6.1f MiB", (s > 0 ? bytes / 1e6 / s : 0), kib / 1024 }')
        else
            cell="FAILED"
            failed=1
        fi
        line="$line | $(printf '%-24s' "$cell")"
    done
    say "$line"
done

have rg && say "note: rg maps the file, so its RSS includes the file's pages it touched"
for n in $notes; do
    say "note: $n is not installed, so its column is empty"
done
[ "$failed" = 0 ] || { err "some commands failed (see above)"; exit 1; }
exit 0
