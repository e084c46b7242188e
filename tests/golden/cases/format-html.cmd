$TL scan --batch -r rules/macos -f html samples/expired-cert-migration.log
