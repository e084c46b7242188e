#!/bin/sh
# Golden tests: each tests/golden/cases/NAME.cmd is one shell command run
# from the top of the tree with $TL set to the trustline binary. Its
# stdout must equal NAME.out; its stderr NAME.err when that file exists;
# its exit status the number in NAME.rc (default 0).
# UPDATE=1 rewrites the expected files from the current output.
set -u
TL=${TRUSTLINE:-./trustline}
case $TL in /*) ;; *) TL=$(pwd)/$TL ;; esac
export TL
export NO_COLOR=1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cmdf in tests/golden/cases/*.cmd; do
    [ -f "$cmdf" ] || continue
    base=${cmdf%.cmd}
    name=${base##*/}
    sh -c "$(cat "$cmdf")" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want_rc=0
    [ -f "$base.rc" ] && want_rc=$(cat "$base.rc")
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/out" "$base.out"
        [ -f "$base.err" ] && cp "$tmp/err" "$base.err"
        [ "$rc" != 0 ] && echo "$rc" >"$base.rc"
        [ "$rc" = 0 ] && rm -f "$base.rc"
        echo "  UPDATED $name"
        continue
    fi
    ok=1
    if ! cmp -s "$tmp/out" "$base.out"; then
        echo "golden: $name: stdout differs:" >&2
        diff -u "$base.out" "$tmp/out" | head -n 40 >&2
        ok=0
    fi
    if [ -f "$base.err" ] && ! cmp -s "$tmp/err" "$base.err"; then
        echo "golden: $name: stderr differs:" >&2
        diff -u "$base.err" "$tmp/err" | head -n 40 >&2
        ok=0
    fi
    if [ "$rc" != "$want_rc" ]; then
        echo "golden: $name: exit status $rc, expected $want_rc" >&2
        [ -s "$tmp/err" ] && head -n 5 "$tmp/err" >&2
        ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
# Further golden suites (each prints its own "N passed, N failed" line
# and exits non-zero on failure).
for suite in tests/golden/*.sh; do
    case $suite in */run.sh) continue ;; esac
    [ -f "$suite" ] || continue
    if TRUSTLINE=$TL sh "$suite"; then :; else fail=$((fail + 1)); fi
done
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
