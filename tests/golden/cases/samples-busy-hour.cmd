$TL scan -r rules/macos -f ndjson samples/busy-hour.log | sh tests/golden/samples.sh digest
