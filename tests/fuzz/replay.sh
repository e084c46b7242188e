#!/bin/sh
# Replay every committed fuzz corpus through its target's replay binary.
set -u
dir=$1
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for bin in "$dir"/replay_fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/replay_}
    corpus=tests/fuzz/corpus/$name
    if [ ! -d "$corpus" ]; then
        echo "fuzz-replay: $name: no corpus in $corpus" >&2
        fail=1
        continue
    fi
    if "$bin" "$corpus" >"$out" 2>&1; then
        printf '  FUZZ    %s: %s\n' "$name" "$(tail -n 1 "$out")"
    else
        cat "$out" >&2
        echo "fuzz-replay: $name: FAILED" >&2
        fail=1
    fi
done
exit $fail
