$TL scan -r rules/macos -f ndjson samples/notarized-first-launch.log | sh tests/golden/samples.sh digest
