#!/bin/sh
# Run every Check unit-test binary given; print one closing line.
# Check itself prints "NN%: Checks: N, Failures: N, Errors: N" per binary.
set -u
fail=0
for t in "$@"; do
    if ! "$t"; then
        echo "FAILED: $t" >&2
        fail=1
    fi
done
exit $fail
