$TL scan --batch -r tests/golden/inputs/extract-event-names.yml -f ndjson tests/golden/inputs/extract-event-names.ndjson 2>&1; echo "rc=$?"
