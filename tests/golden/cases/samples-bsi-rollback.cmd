$TL scan -r rules/macos -f ndjson samples/bsi-rollback.log | sh tests/golden/samples.sh digest
