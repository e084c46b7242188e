$TL scan --batch -r rules/macos -f csv samples/expired-cert-migration.log
