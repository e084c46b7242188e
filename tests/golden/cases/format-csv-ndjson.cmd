$TL scan --batch -r rules/macos -f csv samples/bsi-rollback.ndjson
