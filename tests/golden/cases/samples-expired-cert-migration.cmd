$TL scan -r rules/macos -f ndjson samples/expired-cert-migration.log | sh tests/golden/samples.sh digest
