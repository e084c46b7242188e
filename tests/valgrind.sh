#!/bin/sh
# Valgrind (memcheck) over the unit tests and a set of trustline commands:
# no invalid read or write, no use of uninitialised memory, no definite or
# indirect leak.
#
#   make && make build/tests/test_cond ...     (or just `make check` once)
#   sh tests/valgrind.sh                       (BUILD=build TRUSTLINE=./trustline)
#
# Each run is `valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
# --error-exitcode=99`: 99 rather than 1 so that a memcheck error is told
# apart from trustline's own exit statuses (1 for --fail-level or lint
# warnings, 2 for rule errors). A run fails when valgrind exits 99 or its
# log has a non-zero ERROR SUMMARY; the command's own status is checked
# too (it must be what the command gives without valgrind). Check forks
# each test by default, which hides the children from valgrind: CK_FORK=no.
# Takes about 15 minutes on 2 busy cores (test_parser and
# test_rules_prefilter are most of it).
# Logs are kept in $VALGRIND_LOGS (default: a temporary directory, removed
# when everything passed). Prints "valgrind: N passed, N failed"; exits 1
# on failure, 77 when valgrind is not installed.
set -u
LC_ALL=C
export LC_ALL
BUILD=${BUILD:-build}
TL=${TRUSTLINE:-./trustline}
case $TL in /*) ;; *) TL=$(pwd)/$TL ;; esac
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: skipped (valgrind not installed)"
    exit 77
fi
logs=${VALGRIND_LOGS:-$(mktemp -d)}
mkdir -p "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CK_FORK=no
export CK_FORK
NO_COLOR=1
export NO_COLOR
unset TRUSTLINE_RULES
# PCRE2's JIT code reads past the end of the subject (wide loads inside
# the buffer), which memcheck reports as a conditional jump on
# uninitialised bytes with an unknown top frame ("???": generated code).
# Those reports, and only those, are suppressed; the same commands are run
# once more below with the JIT turned off (an LD_PRELOAD that makes
# pcre2_jit_compile fail, so PCRE2 interprets), where nothing is
# suppressed: that checks that every byte PCRE2 is asked to look at is
# initialised.
cat >"$tmp/jit.supp" <<'EOF'
{
   pcre2-jit-generated-code-cond
   Memcheck:Cond
   obj:???
}
{
   pcre2-jit-generated-code-value8
   Memcheck:Value8
   obj:???
}
EOF
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30 --suppressions=$tmp/jit.supp"
# VALGRIND_ORIGINS=1: where uninitialised values come from (slower)
[ "${VALGRIND_ORIGINS:-0}" = 1 ] && VG="$VG --track-origins=yes"
pass=0
fail=0
n=0

# vg NAME WANT-STATUS CMD...: run CMD under valgrind (stdin from /dev/null
# unless redirected by the caller)
vg() {
    name=$1 want=$2
    shift 2
    n=$((n + 1))
    log=$logs/$(printf '%02d' $n)-$name.log
    # shellcheck disable=SC2086
    $VG --log-file="$log" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
    if [ $rc = 99 ] || [ "${errs:-x}" != 0 ]; then
        fail=$((fail + 1))
        echo "valgrind: FAIL: $name: ${errs:-?} errors (exit $rc); log $log" >&2
        grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ .*bytes in .* (definitely|indirectly) lost)' \
            "$log" | head -n 5 >&2
        keep=1
    elif [ $rc != "$want" ]; then
        fail=$((fail + 1))
        echo "valgrind: FAIL: $name: exit $rc, expected $want" >&2
        head -n 5 "$tmp/err" >&2
        keep=1
    else
        pass=$((pass + 1))
        [ "${VALGRIND_VERBOSE:-0}" = 1 ] && echo "valgrind: ok: $name"
    fi
    return 0
}
keep=0

# The unit tests. A test that fails without valgrind too is make unit's
# business: noted here, and expected to fail the same way.
for t in "$BUILD"/tests/test_*; do
    case $t in *.d) continue ;; esac
    [ -x "$t" ] || continue
    "$t" >/dev/null 2>&1
    st=$?
    [ $st = 0 ] || echo "valgrind: note: ${t##*/} exits $st without valgrind too (see make unit)"
    vg "${t##*/}" $st "$t"
done

# trustline on the samples, every command and output.
R=rules/macos
vg parse-log 0 "$TL" parse --stats samples/busy-hour.log
vg parse-ndjson 0 "$TL" parse samples/busy-hour.ndjson
vg parse-json 0 "$TL" parse samples/expired-cert-migration.json
vg parse-compact 0 "$TL" parse samples/busy-hour.compact.log
vg parse-syslog 0 "$TL" parse samples/busy-hour.syslog.log
vg scan-text 0 "$TL" scan --batch -r $R --stats samples/busy-hour.log
vg scan-live 0 "$TL" scan --live -r $R samples/busy-hour.ndjson
vg scan-ndjson 0 "$TL" scan -r $R -f ndjson samples/busy-hour.log
vg scan-csv 0 "$TL" scan -r $R -f csv samples/blocked-unsigned.log
vg scan-html 0 "$TL" scan -r $R -f html -o "$tmp/r.html" samples/busy-hour.log
vg scan-noprefilter 0 "$TL" scan -r $R --no-prefilter -f ndjson samples/busy-hour.syslog.log
vg scan-filters 1 "$TL" scan -r $R --min-level medium --since '2026-03-18 14:20' \
    --until '2026-03-18 14:50' --tag macos.amfi --fail-level high samples/busy-hour.log
vg scan-maxopen 0 "$TL" scan -r $R --max-open 1 --reorder 0 samples/busy-hour.log
vg scan-stdin 0 "$TL" scan -r $R - <samples/bsi-rollback.ndjson
vg rules-lint 0 "$TL" rules lint $R
vg rules-test 0 "$TL" rules test $R
vg rules-list 0 "$TL" rules list $R
vg rules-lint-errors 2 "$TL" rules lint tests/golden/rules/lint tests/golden/hostile/laughs.yml
vg predicate 0 "$TL" predicate -r $R
vg explain 0 "$TL" explain -r $R --line "$(sed -n 30p samples/busy-hour.log)"
vg explain-file 0 "$TL" explain -r $R samples/notarized-first-launch.ndjson
vg usage-error 2 "$TL" scan --no-such-option
vg missing-input 3 "$TL" parse /nonexistent/input

# Hostile input: invalid UTF-8, NUL, CRLF, a long line, garbage, deep
# JSON, catastrophic backtracking.
P='2025-02-07 09:12:44.123456+0100 0x2b1c3    Default     0x0                  412    0    syspolicyd: '
{ printf '%sbad \377\376 utf8 \300\257 and nul \000 INJECT \033[31m <b>x</b> =cmd\r\n' "$P"
  printf '{"processID":1,"eventMessage":"INJECT raw \377 \\u0000 \\ud800 \\"q\\""}\n'
  printf '%sINJECT ' "$P"; head -c 200000 /dev/zero | tr '\0' a; printf '\n'
  printf '\tcontinuation\n'
  printf '{"processID":18446744073709551616}\n'
  printf '{"a":'; head -c 500 /dev/zero | tr '\0' '['; printf '\n'
  head -c 65536 /dev/urandom
} >"$tmp/hostile.log"
for f in text ndjson csv html; do
    vg "hostile-$f" 0 "$TL" scan --max-line 64K -r tests/golden/hostile/inject.yml -f $f "$tmp/hostile.log"
done
vg hostile-parse 0 "$TL" parse --max-line 64K "$tmp/hostile.log"
A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
printf '{"processID":1,"eventMessage":"%sb"}\n{"processID":1,"eventMessage":"aaa"}\n' $A $A >"$tmp/redos.nd"
vg redos 0 "$TL" scan -r tests/golden/hostile/redos.yml -f ndjson "$tmp/redos.nd"

# The hostile runs again with PCRE2's JIT off and nothing suppressed.
if command -v cc >/dev/null 2>&1; then
    cat >"$tmp/nojit.c" <<'EOF'
#include <stdint.h>
int pcre2_jit_compile_8(void *code, uint32_t options);
int pcre2_jit_compile_8(void *code, uint32_t options)
{
    (void)code;
    (void)options;
    return -45; /* PCRE2_ERROR_JIT_BADOPTION: matching falls back to the interpreter */
}
EOF
    if cc -shared -fPIC -o "$tmp/nojit.so" "$tmp/nojit.c" 2>/dev/null; then
        VG=$(printf '%s\n' "$VG" | sed 's/ --suppressions=[^ ]*//')
        LD_PRELOAD=$tmp/nojit.so
        export LD_PRELOAD
        for f in text ndjson; do
            vg "nojit-hostile-$f" 0 "$TL" scan --max-line 64K -r tests/golden/hostile/inject.yml -f $f "$tmp/hostile.log"
        done
        vg nojit-scan-noprefilter 0 "$TL" scan -r $R --no-prefilter -f ndjson samples/busy-hour.log
        vg nojit-rules-test 0 "$TL" rules test $R
        vg nojit-explain-file 0 "$TL" explain -r $R samples/notarized-first-launch.ndjson
        vg nojit-redos 0 "$TL" scan -r tests/golden/hostile/redos.yml -f ndjson "$tmp/redos.nd"
        [ -x "$BUILD/tests/test_rules_prefilter" ] &&
            vg nojit-test_rules_prefilter 0 "$BUILD/tests/test_rules_prefilter"
        unset LD_PRELOAD
    fi
fi

supp=$(cat "$logs"/*.log 2>/dev/null | sed -n 's/.*ERROR SUMMARY: .*(suppressed: \([0-9]*\) from.*/\1/p' |
       awk '{ s += $1 } END { print s + 0 }')
if [ $fail = 0 ] && [ -z "${VALGRIND_LOGS:-}" ] && [ $keep = 0 ]; then
    rm -rf "$logs"
    where=
else
    where="; logs in $logs"
fi
echo "valgrind: $pass passed, $fail failed ($supp reports from PCRE2 JIT code suppressed$where)"
[ $fail = 0 ]
