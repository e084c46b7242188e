$TL scan --batch --color always -r rules/macos --min-level medium samples/blocked-unsigned.log
