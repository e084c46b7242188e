$TL parse --stats tests/golden/inputs/spec-syslog.log
