#!/bin/sh
# make demo: the tool's main job on the bundled samples.
set -eu
TL=${1:-./trustline}
if [ ! -f samples/busy-hour.log ]; then
    echo "demo: samples/busy-hour.log is missing" >&2
    exit 1
fi
if "$TL" --help | grep -q '^  scan'; then
    echo "== trustline samples/busy-hour.log"
    "$TL" scan --stats samples/busy-hour.log
else
    echo "== trustline parse --stats samples/busy-hour.log (first 5 events)"
    "$TL" parse --stats samples/busy-hour.log | head -n 5
fi
