#!/bin/sh
# Golden tests of the rule author's commands: `rules lint|test|list`,
# `explain` and `predicate`, run on the inputs under tests/golden/rules/
# and compared with tests/golden/rules/expected/NAME.out (stdout, then
# stderr after a "--- stderr" line if there is any, then "--- exit N").
#
#   TRUSTLINE=./trustline sh tests/golden/rules.sh
#   UPDATE=1 TRUSTLINE=./trustline sh tests/golden/rules.sh   (rewrite)
set -u
T=${TRUSTLINE:?"set TRUSTLINE to the trustline binary"}
case $T in /*) ;; *) T=$(pwd)/$T ;; esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/rules" || exit 2
unset TRUSTLINE_RULES
LC_ALL=C
export LC_ALL

fail=0
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: run trustline with the arguments
check() {
    name=$1
    shift
    n=$((n + 1))
    "$T" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    {
        cat "$tmp/out"
        if [ -s "$tmp/err" ]; then
            echo "--- stderr"
            cat "$tmp/err"
        fi
        echo "--- exit $rc"
    } >"$tmp/got"
    exp="expected/$name.out"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/got" "$exp"
        return
    fi
    if [ ! -f "$exp" ]; then
        echo "golden rules: $name: no expected file $exp (run with UPDATE=1)" >&2
        fail=1
        return
    fi
    if ! cmp -s "$tmp/got" "$exp"; then
        echo "golden rules: $name: output differs from $exp:" >&2
        diff -u "$exp" "$tmp/got" | head -40 >&2
        fail=1
    fi
}

check lint-good rules lint good
for f in lint/*.yml; do
    b=${f##*/}
    check "lint-${b%.yml}" rules lint "$f"
done
check lint-dup rules lint lint/dup_a.yml lint/dup_b.yml
check lint-all rules lint lint
check lint-missing rules lint no/such/dir
check test-good rules test good
check test-failing rules test failing
check test-require rules test --require-tests failing
check test-errors rules test lint/keys.yml
check list-good rules list good
check list-errors rules list good lint/correlation.yml
check explain-default explain -r good explain/default.log
check explain-ndjson explain -r good --matches explain/events.ndjson
check explain-line explain -r good --rule gk_allow_migration --line \
    '2025-02-07 09:12:44.123 Df syspolicyd[412:2b1c3] [com.apple.syspolicy.exec:default] Allowing evaluation due to migration: PST: (path: 9f86d081884c7d65), (team: (null)), (id: (null)), (bundle_id: NOT_A_BUNDLE)'
check explain-badline explain -r good --line 'not a log line'
# --style applies to --line as to files: a compact line read as syslog
# is no event; read as compact it is
check explain-line-style explain -r good --rule gk_allow_migration \
    --style syslog --line \
    '2025-02-07 09:12:44.123 Df syspolicyd[412:2b1c3] [com.apple.syspolicy.exec:default] Allowing evaluation due to migration: PST: (path: 9f86d081884c7d65), (team: (null)), (id: (null)), (bundle_id: NOT_A_BUNDLE)'
check explain-line-style-compact explain -r good --rule gk_allow_migration \
    --style compact --line \
    '2025-02-07 09:12:44.123 Df syspolicyd[412:2b1c3] [com.apple.syspolicy.exec:default] Allowing evaluation due to migration: PST: (path: 9f86d081884c7d65), (team: (null)), (id: (null)), (bundle_id: NOT_A_BUNDLE)'
check explain-file-style explain -r good --matches --style syslog \
    explain/default.log
check explain-norule explain -r good --rule nope --line 'x'
check predicate predicate -r good
check predicate-per-rule predicate -r good --per-rule
check predicate-unbounded predicate -r good -r misc/unbounded.yml

if [ "${UPDATE:-0}" = 1 ]; then
    echo "golden rules: $n expected files written"
    exit 0
fi
if [ $fail = 0 ]; then
    echo "golden rules: $n passed"
fi
exit $fail
