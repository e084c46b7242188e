$TL scan --batch -r rules/macos -f ndjson samples/expired-cert-migration.log
