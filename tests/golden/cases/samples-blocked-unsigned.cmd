$TL scan -r rules/macos -f ndjson samples/blocked-unsigned.log | sh tests/golden/samples.sh digest
