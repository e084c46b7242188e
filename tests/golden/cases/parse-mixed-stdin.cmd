cat tests/golden/inputs/spec-default.log tests/golden/inputs/spec.ndjson tests/golden/inputs/spec-syslog.log | $TL parse --stats
