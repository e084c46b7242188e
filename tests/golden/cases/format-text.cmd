$TL scan --batch -r rules/macos -f text samples/expired-cert-migration.log
